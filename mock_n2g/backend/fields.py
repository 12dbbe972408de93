"""Field rules shared by the resources: type checks and the e-mail syntax check."""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from email_validator import EmailNotValidError, validate_email

from mock_n2g.errors import FieldProblem

EMAIL_MAX_LENGTH = 64


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


@lru_cache(maxsize=4096)
def email_problem(address: str) -> str | None:
    """Why `address` is not a usable e-mail address, or None when it is."""
    if len(address) > EMAIL_MAX_LENGTH:
        return f"email must be at most {EMAIL_MAX_LENGTH} characters"
    try:
        validate_email(address, check_deliverability=False, test_environment=True)
    except EmailNotValidError as error:
        return f"invalid email address ({error})"
    return None


def _problem(name: str, rule: FieldRule, value: Any) -> str | None:
    if rule.kind == "bool":
        return None if isinstance(value, bool) else f"{name} must be true or false"
    if rule.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
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
            values[name] = value.strip() if rule.kind == "email" else value
    return values, problems
