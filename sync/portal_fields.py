"""Field checks of the portal formats: each takes (name, JSON value) and returns the clean value."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from email_validator import EmailNotValidError, validate_email

NAME_MAX_LENGTH = 64  # the Newsletter2Go limit of a list name
EMAIL_MAX_LENGTH = 64  # the Newsletter2Go limit of an e-mail address
TEXT_MAX_LENGTH = 255
ATTRIBUTE_NAME = re.compile(r"[0-9a-zA-Z_]+")
ATTRIBUTE_NAME_MAX_LENGTH = 64
# The contact's own fields on Newsletter2Go: an attribute of one of these names would overwrite
# them (`is_unsubscribed`, `email`, ...) when sent with the contact.
CONTACT_FIELD_NAMES = frozenset(
    {
        "id",
        "list_id",
        "list_ids",
        "group_ids",
        "email",
        "phone",
        "gender",
        "first_name",
        "last_name",
        "created_at",
        "rating",
        "is_unsubscribed",
        "is_bounced",
        "is_blacklisted",
    }
)
GENDERS = ("m", "f")
STATUSES = ("active", "cancelled")

Check = Callable[[str, Any], Any]


class Invalid(Exception):
    """A value was refused; `field` names it (None: the whole line or document)."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _string(name: str, value: Any, max_length: int) -> str:
    if not isinstance(value, str):
        raise Invalid(name, f"must be a string, not {_kind(value)}")
    if len(value) > max_length:
        raise Invalid(name, f"must be at most {max_length} characters (has {len(value)})")
    return value


def identifier(name: str, value: Any) -> str:
    """A non-empty string; a JSON integer becomes its decimal string."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise Invalid(name, f"must be a non-empty string, not {_kind(value)}")
    if not value.strip():
        raise Invalid(name, "must be a non-empty string")
    return value


def name(field: str, value: Any) -> str:
    """A newsletter's name: the name of its list, so 1 to 64 characters, never cut."""
    text = _string(field, value, NAME_MAX_LENGTH)
    if not text.strip():
        raise Invalid(field, "must not be empty")
    return text


def email(field: str, value: Any) -> str:
    """An e-mail address, stripped; syntax only (no DNS look-ups)."""
    address = _string(field, value.strip() if isinstance(value, str) else value, EMAIL_MAX_LENGTH)
    if not address:
        raise Invalid(field, "must not be empty")
    try:
        validate_email(address, check_deliverability=False, test_environment=True)
    except EmailNotValidError as error:
        raise Invalid(field, f"not an e-mail address ({error})") from None
    return address


def text(field: str, value: Any) -> str | None:
    """An optional name part: a string of at most 255 characters, or null."""
    return None if value is None else _string(field, value, TEXT_MAX_LENGTH)


def gender(field: str, value: Any) -> str | None:
    if value is None or value in GENDERS:
        return value
    raise Invalid(field, f"must be 'm', 'f' or null, not {value!r}")


def attributes(field: str, value: Any) -> Mapping[str, Any]:
    """Custom attributes: names [0-9a-zA-Z_]+, values string, number, boolean or null."""
    for key, item in json_object(value, field).items():
        if not ATTRIBUTE_NAME.fullmatch(key):
            raise Invalid(field, f"attribute name {key!r} may only hold 0-9, a-z, A-Z and _")
        if len(key) > ATTRIBUTE_NAME_MAX_LENGTH:
            limit = ATTRIBUTE_NAME_MAX_LENGTH
            raise Invalid(field, f"attribute name {key!r} is longer than {limit} characters")
        if key.lower() in CONTACT_FIELD_NAMES:
            raise Invalid(field, f"attribute name {key!r} is a field of the contact itself")
        if isinstance(item, dict | list):
            raise Invalid(
                f"{field}.{key}", f"must be a string, number, boolean or null, not {_kind(item)}"
            )
    return MappingProxyType(dict(value))


def timestamp(field: str, value: Any) -> str:
    """An ISO-8601 time as `datetime.fromisoformat` reads it (a trailing Z too); kept as given."""
    if not isinstance(value, str):
        raise Invalid(field, f"must be an ISO-8601 string, not {_kind(value)}")
    parsable = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        datetime.fromisoformat(parsable)
    except ValueError:
        raise Invalid(field, f"not an ISO-8601 time: {value!r}") from None
    return value


def status(field: str, value: Any) -> str:
    if value in STATUSES:
        return value
    raise Invalid(field, f"must be 'active' or 'cancelled', not {value!r}")


PROFILE: dict[str, Check] = {
    "email": email,
    "first_name": text,
    "last_name": text,
    "gender": gender,
    "attributes": attributes,
}


class JsonObject(dict):
    """A decoded JSON object; `repeated` is a key it gave twice (json alone would keep the last)."""

    repeated: str | None = None


def _json_object(pairs: list[tuple[str, Any]]) -> JsonObject:
    result = JsonObject()
    for key, value in pairs:
        if key in result and result.repeated is None:
            result.repeated = key
        result[key] = value
    return result


def _no_constants(constant: str) -> float:
    raise ValueError(f"{constant} is not a JSON value")


def loads(text: str) -> Any:
    """Strict JSON: NaN and Infinity are refused (ValueError); objects remember repeated keys."""
    return json.loads(text, object_pairs_hook=_json_object, parse_constant=_no_constants)


def json_object(data: Any, where: str | None) -> dict[str, Any]:
    """`data` if it is a JSON object without a repeated key; `where` names it in errors."""
    if not isinstance(data, dict):
        raise Invalid(where, f"must be a JSON object, not {_kind(data)}")
    repeated = getattr(data, "repeated", None)
    if repeated is not None:
        raise Invalid(f"{where}.{repeated}" if where else repeated, "given twice in one object")
    return data


def checked(
    data: Any, required: Mapping[str, Check], optional: Mapping[str, Check], prefix: str = ""
) -> dict[str, Any]:
    """The checked values of a JSON object: no unknown, no missing and no bad field."""
    data = json_object(data, prefix.rstrip(".") or None)
    for key in data:
        if key not in required and key not in optional:
            raise Invalid(prefix + key, "unknown field")
    for key in required:
        if key not in data:
            raise Invalid(prefix + key, "missing")
    values = {}
    for key, value in data.items():
        check = required.get(key) or optional[key]
        try:
            values[key] = check(key, value)
        except Invalid as error:
            raise Invalid(prefix + (error.field or key), error.message) from None
    return values
