"""`--accounts FILE`: several accounts to seed, as YAML or JSON."""

import json
from pathlib import Path
from typing import Any

import yaml

from mock_n2g.backend import AccountSpec

FIELDS = {"auth_key", "username", "password", "is_developer_mode", "form_code", "default_list_name"}
REQUIRED = ("auth_key", "username", "password")


class AccountsFileError(ValueError):
    """The accounts file cannot be used; the message says where and why."""


def load_accounts(path: str | Path) -> list[AccountSpec]:
    """`[{auth_key, username, password, is_developer_mode?, form_code?}, ...]` or
    `{"accounts": [...]}`, in YAML (`.yaml`/`.yml`) or JSON."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise AccountsFileError(f"{path}: {error}") from None
    if isinstance(data, dict):
        data = data.get("accounts")
    if not isinstance(data, list) or not data:
        raise AccountsFileError(f"{path}: expected a non-empty list of accounts")
    specs = [_spec(path, number, entry) for number, entry in enumerate(data, start=1)]
    keys = [spec.auth_key for spec in specs]
    if len(set(keys)) != len(keys):
        raise AccountsFileError(f"{path}: two accounts share an auth key")
    return specs


def _spec(path: Path, number: int, entry: Any) -> AccountSpec:
    where = f"{path}: account {number}"
    if not isinstance(entry, dict):
        raise AccountsFileError(f"{where}: expected a mapping")
    unknown = sorted(set(entry) - FIELDS)
    if unknown:
        raise AccountsFileError(f"{where}: unknown field {unknown[0]!r}")
    for name in REQUIRED:
        if not isinstance(entry.get(name), str) or not entry[name].strip():
            raise AccountsFileError(f"{where}: {name} is required (a non-empty string)")
    developer_mode = entry.get("is_developer_mode", True)
    if not isinstance(developer_mode, bool):
        raise AccountsFileError(f"{where}: is_developer_mode must be true or false")
    return AccountSpec(
        auth_key=entry["auth_key"],
        username=entry["username"].strip(),
        password=entry["password"],
        is_developer_mode=developer_mode,
        default_form_code=entry.get("form_code"),
        default_list_name=entry.get("default_list_name", "Default"),
    )
