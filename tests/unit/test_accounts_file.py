"""`--accounts FILE`: several accounts from YAML or JSON, with clear errors."""

import json

import pytest

from mock_n2g import create_app
from mock_n2g.accounts_file import AccountsFileError, load_accounts
from mock_n2g.backend import AccountSpec
from mock_n2g.cli import main
from mock_n2g.config import MockConfig
from tests.support import Api

YAML = """
accounts:
  - auth_key: "first_id:first_secret"
    username: first@example.org
    password: first-pass
  - auth_key: "second_id:second_secret"
    username: second@example.org
    password: second-pass
    is_developer_mode: false
    form_code: second01
"""


def test_yaml_file_seeds_each_account(tmp_path):
    path = tmp_path / "accounts.yaml"
    path.write_text(YAML)
    specs = load_accounts(path)
    assert [spec.username for spec in specs] == ["first@example.org", "second@example.org"]
    assert specs[1] == AccountSpec(
        "second_id:second_secret",
        "second@example.org",
        "second-pass",
        is_developer_mode=False,
        default_form_code="second01",
    )
    client = create_app(MockConfig(accounts=specs)).test_client()
    for spec in specs:
        Api(client, spec)  # each can log in
    assert client.get("/forms/generate/second01").status_code == 200


def test_json_file_as_a_plain_list(tmp_path):
    path = tmp_path / "accounts.json"
    path.write_text(json.dumps([{"auth_key": "a:b", "username": "j@example.org", "password": "p"}]))
    assert load_accounts(path) == [AccountSpec("a:b", "j@example.org", "p")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[]", "non-empty list"),
        ("accounts: 3", "non-empty list"),
        ("- just a string", "expected a mapping"),
        ("- {auth_key: 'a:b', username: u@example.org}", "password is required"),
        ("- {auth_key: 'a:b', username: u, password: p, colour: red}", "unknown field 'colour'"),
        (
            "- {auth_key: 'a:b', username: u, password: p, is_developer_mode: maybe}",
            "true or false",
        ),
        (
            "- {auth_key: 'a:b', username: u, password: p}\n"
            "- {auth_key: 'a:b', username: v, password: q}",
            "share an auth key",
        ),
        ("accounts: [unclosed", "accounts.yaml"),
    ],
)
def test_bad_files_say_what_is_wrong(tmp_path, content, message):
    path = tmp_path / "accounts.yaml"
    path.write_text(content)
    with pytest.raises(AccountsFileError, match=message):
        load_accounts(path)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(AccountsFileError, match=r"nope\.yaml"):
        load_accounts(tmp_path / "nope.yaml")


def test_cli_refuses_a_bad_accounts_file_with_exit_2(tmp_path, capsys):
    path = tmp_path / "accounts.yaml"
    path.write_text("[]")
    assert main(["serve", "--port", "0", "--accounts", str(path)]) == 2
    assert "non-empty list" in capsys.readouterr().err
