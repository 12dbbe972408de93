"""Field rules shared by the resources: type checks and the e-mail syntax check."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from email_validator import EmailNotValidError, validate_email

from mock_n2g.errors import FieldProblem

EMAIL_MAX_LENGTH = 64
# a plain ASCII address: a dot-atom local part of common characters, an ASCII host name
PLAIN_LOCAL_PART = re.compile(r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*")
PLAIN_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}")


@dataclass(frozen=True)
class FieldRule:
    """How one writable field is checked. `kind` is str, bool, int, email or choice."""

    kind: str
    max_length: int = 255
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None


TEXT = FieldRule("str")
FLAG = FieldRule("bool")
EMAIL = FieldRule("email", max_length=EMAIL_MAX_LENGTH)


def _validation_problem(address: str) -> str | None:
    try:
        validate_email(address, check_deliverability=False, test_environment=True)
    except EmailNotValidError as error:
        return f"invalid email address ({error})"
    return None


@lru_cache(maxsize=1024)
def _domain_problem(domain: str) -> str | None:
    """A domain's verdict, checked once as the domain of a plain address."""
    return _validation_problem(f"x@{domain}")


@lru_cache(maxsize=4096)
def email_problem(address: str) -> str | None:
    """Why `address` is not a usable e-mail address, or None when it is.

    email-validator takes ~30 µs an address, mostly for the domain. A plain ASCII address
    (the usual kind) is accepted when its domain, checked once per domain, is; the local part
    of such an address is always valid. Everything else, and every refusal, is the library's.
    """
    if len(address) > EMAIL_MAX_LENGTH:
        return f"email must be at most {EMAIL_MAX_LENGTH} characters"
    local_part, _, domain = address.partition("@")
    plain = PLAIN_LOCAL_PART.fullmatch(local_part) and PLAIN_DOMAIN.fullmatch(domain)
    if plain and _domain_problem(domain) is None:
        return None
    return _validation_problem(address)


def _integral(value: Any) -> bool:
    """A JSON number without fraction, such as `3.0`: an integer to JSON, whatever its spelling."""
    return isinstance(value, float) and value.is_integer()


def _problem(name: str, rule: FieldRule, value: Any) -> str | None:
    if rule.kind == "bool":
        return None if isinstance(value, bool) else f"{name} must be true or false"
    if rule.kind == "int":
        if isinstance(value, bool) or not (isinstance(value, int) or _integral(value)):
            return f"{name} must be an integer"
        if rule.minimum is not None and value < rule.minimum:
            return f"{name} must be at least {rule.minimum}"
        if rule.maximum is not None and value > rule.maximum:
            return f"{name} must be at most {rule.maximum}"
        return None
    if not isinstance(value, str):
        return f"{name} must be a string"
    if rule.kind == "choice":
        allowed = ", ".join(repr(c) for c in rule.choices)
        return None if value in rule.choices else f"{name} must be one of {allowed}"
    if len(value) > rule.max_length:
        return f"{name} must be at most {rule.max_length} characters"
    if rule.kind == "email" and value.strip():
        return email_problem(value.strip())
    return None


def check_fields(
    rules: Mapping[str, FieldRule], payload: Mapping[str, Any]
) -> tuple[dict[str, Any], list[FieldProblem]]:
    """The values of `payload` that `rules` know, checked; `null` counts as not given."""
    values: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    for name, rule in rules.items():
        if name not in payload or payload[name] is None:
            continue
        value = payload[name]
        problem = _problem(name, rule, value)
        if problem:
            problems.append(FieldProblem(name, problem))
        else:
            if rule.kind == "email":
                value = value.strip()
            elif rule.kind == "int":
                value = int(value)
            values[name] = value
    return values, problems
