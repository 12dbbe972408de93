"""The account's company and its user (with developer mode, which the interface needs on)."""

from __future__ import annotations

from typing import Any

from mock_n2g.backend.accounts import Account
from mock_n2g.backend.fields import EMAIL, FLAG, TEXT, FieldRule, check_fields
from mock_n2g.backend.store import Store
from mock_n2g.backend.tokens import TokenStore
from mock_n2g.clock import format_timestamp
from mock_n2g.errors import FieldProblem, ValidationError, not_found

COMPANY_RULES: dict[str, FieldRule] = {
    "name": TEXT,
    "phone": FieldRule("str", max_length=64),
    "address": TEXT,
    "city": TEXT,
    "postcode": FieldRule("str", max_length=16),
    "country": FieldRule("str", max_length=2),
    "bill_name": TEXT,
    "bill_first_name": TEXT,
    "bill_last_name": TEXT,
    "bill_gender": FieldRule("choice", choices=("m", "f", "")),
    "bill_address": TEXT,
    "bill_city": TEXT,
    "bill_postcode": FieldRule("str", max_length=16),
    "bill_country": FieldRule("str", max_length=2),
    "bill_email": EMAIL,
    "language": FieldRule("str", max_length=8),
    "timezone": FieldRule("str", max_length=64),
    "dateformat": FieldRule("str", max_length=32),
    "timeformat": FieldRule("str", max_length=32),
    "datetimeformat": FieldRule("str", max_length=32),
    "number_format": FieldRule("str", max_length=8),
    "default_list_id": FieldRule("str", max_length=8),
}
# Every field of the documented company, with the values of a fresh account.
COMPANY_DEFAULTS: dict[str, Any] = {
    "phone": "",
    "is_migrated": False,
    "is_migrated_plan": True,
    "priority_sending": 0.5,
    "is_gdpr_compliant": True,
    "name": "Mock Company",
    "address": "",
    "city": "",
    "postcode": "",
    "country": "DE",
    "bill_name": "",
    "bill_first_name": "",
    "bill_last_name": "",
    "bill_gender": "",
    "bill_address": "",
    "bill_city": "",
    "bill_postcode": "",
    "bill_country": "DE",
    "bill_email": "",
    "register_tld": "de",
    "language": "de",
    "credits_email": 0,
    "credits_freemail": 0,
    "credits_abo": 0,
    "uses_postpaid": False,
    "state": "verified",
    "mfa_status": "INACTIVE",
    "mfa_method": "SMS",
    "ekomi_done": 0,
    "uses_client_testing": False,
    "uses_payback": False,
    "industry_id": "",
    "frequency": "daily",
    "num_recipients": "<1000",
    "ip_class": 0,
    "doubleoptout": False,
    "database": 1,
    "editor_version": "2.0",
    "is_archive_active": False,
    "is_archive_autoupdate": False,
    "is_opentracking_allowed": True,
    "is_clicktracking_allowed": True,
    "is_recipienttracking_allowed": True,
    "is_whitelisted": False,
    "timezone": "Europe/Berlin",
    "dateformat": "d.m.Y",
    "timeformat": "H:i:s",
    "datetimeformat": "d.m.Y H:i:s",
    "number_format": ".,2",
    "version": 1,
    "allow_support_access": False,
    "lead_rating": "average",
    "is_deleted": False,
}
# The user's details repeat the company's, except these.
COMPANY_ONLY = frozenset(
    {
        "id",
        "created_at",
        "modified_at",
        "is_migrated",
        "is_migrated_plan",
        "is_gdpr_compliant",
        "uses_payback",
        "lead_rating",
        "version",
        "is_deleted",
    }
)
USER_RULES: dict[str, FieldRule] = {
    "first_name": TEXT,
    "last_name": TEXT,
    "gender": FieldRule("choice", choices=("m", "f", "")),
    "phone": FieldRule("str", max_length=64),
    "language": FieldRule("str", max_length=8),
    "is_developer_mode": FLAG,
}
USER_DEFAULTS: dict[str, Any] = {
    "gender": "",
    "first_name": "",
    "last_name": "",
    "phone": "",
    "language": "de_DE",
    "is_active": True,
    "is_disabled": False,
    "profile_image_url": "",
    "is_main": True,
    "has_late_invoice": False,
    "current_plan_name": "Free",
    "current_plan_volume": 1000,
}
# the login name is the user's e-mail address; it is not changed through the API
USER_READ_ONLY = ("email", "account_id", "company_id", "id")


class ProfileService:
    """`/companies` and `/users`: one company and one user per mock account."""

    def __init__(self, store: Store, tokens: TokenStore) -> None:
        self._store = store
        self._tokens = tokens

    def setup(self, account: Account) -> None:
        """Give a new account its company and user records."""
        now = self._store.clock.now()
        account.company = {
            **COMPANY_DEFAULTS,
            "created_at": now,
            "modified_at": now,
            "agb_accepted_at": now,
        }
        account.user = {
            **USER_DEFAULTS,
            "email": account.spec.username,
            "is_developer_mode": account.spec.is_developer_mode,
            "created_at": now,
            "modified_at": now,
            "activated_at": now,
        }

    # company

    def company(self, account: Account) -> dict[str, Any]:
        with self._store.lock:
            shown: dict[str, Any] = {"id": account.company_id}
            shown.update(_timestamps(account.company))
            shown["default_list_id"] = account.default_list_id
            return shown

    def update_company(self, account: Account, company_id: str, payload: dict[str, Any]) -> int:
        values, problems = check_fields(COMPANY_RULES, payload)
        if problems:
            raise ValidationError(problems)
        with self._store.lock:
            if company_id != account.company_id:
                raise not_found("company", company_id)
            default_list_id = values.pop("default_list_id", None)
            if default_list_id is not None:
                if default_list_id not in account.lists:
                    raise not_found("list", default_list_id)
                account.default_list_id = default_list_id
            account.company.update(values)
            account.company["modified_at"] = self._store.clock.now()
        return 1

    # user

    def users(self, account: Account) -> list[dict[str, Any]]:
        with self._store.lock:
            return [] if account.user is None else [self._user(account)]

    def user(self, account: Account, user_id: str) -> dict[str, Any]:
        with self._store.lock:
            self._require_user(account, user_id)
            return self._user(account)

    def update_user(self, account: Account, user_id: str, payload: dict[str, Any]) -> int:
        values, problems = check_fields(USER_RULES, payload)
        for name in USER_READ_ONLY:
            given = payload.get(name)
            if given is not None and given != self._user_value(account, name):
                problems.append(FieldProblem(name, f"{name} cannot be changed"))
        if problems:
            raise ValidationError(problems)
        with self._store.lock:
            self._require_user(account, user_id)
            assert account.user is not None
            account.user.update(values)
            account.user["modified_at"] = self._store.clock.now()
        return 1

    def delete_user(self, account: Account, user_id: str) -> int:
        """The account's user goes: its tokens stop working and it can no longer log in."""
        with self._store.lock:
            self._require_user(account, user_id)
            account.user = None
            self._tokens.revoke_account(account.account_id)
        return 1

    # internals (callers hold the lock)

    @staticmethod
    def _require_user(account: Account, user_id: str) -> None:
        if account.user is None or user_id != account.user_id:
            raise not_found("user", user_id)

    @staticmethod
    def _user_value(account: Account, name: str) -> Any:
        return {
            "email": account.spec.username,
            "account_id": account.account_id,
            "company_id": account.company_id,
            "id": account.user_id,
        }[name]

    @staticmethod
    def _user(account: Account) -> dict[str, Any]:
        assert account.user is not None
        shown: dict[str, Any] = {
            "id": account.user_id,
            "account_id": account.account_id,
            "company_id": account.company_id,
        }
        company = {k: v for k, v in account.company.items() if k not in COMPANY_ONLY}
        shown.update(_timestamps({**company, **account.user}))
        shown["default_list_id"] = account.default_list_id
        return shown


def _timestamps(settings: dict[str, Any]) -> dict[str, Any]:
    """Settings as shown: `*_at` times formatted, unset values left out."""
    return {
        name: format_timestamp(value) if name.endswith("_at") else value
        for name, value in settings.items()
        if value is not None
    }
