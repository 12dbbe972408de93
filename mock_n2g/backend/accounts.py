"""Accounts: the credentials a client logs in with, and the state that belongs to them."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sortedcontainers import SortedKeyList

from mock_n2g.errors import not_found

if TYPE_CHECKING:
    from mock_n2g.backend.attributes import Attribute
    from mock_n2g.backend.forms import Form
    from mock_n2g.backend.lists import MailingList
    from mock_n2g.backend.recipients import Recipient

DEMO_AUTH_KEY = "mock_client_id:mock_client_secret"
DEMO_USERNAME = "demo@example.org"
DEMO_FORM_CODE = "demoform"
DEMO_PASSWORD = "demo-password"  # noqa: S105 - documented demo value


@dataclass(frozen=True)
class AccountSpec:
    """What it takes to create an account: the three items a customer hands over, and more."""

    auth_key: str
    username: str
    password: str
    is_developer_mode: bool = True
    default_list_name: str = "Default"
    default_form_code: str | None = None  # the code of the default list's form; random if None

    def __repr__(self) -> str:
        return f"AccountSpec(username={self.username!r}, auth_key=<redacted>, password=<redacted>)"

    @classmethod
    def from_env(cls) -> AccountSpec:
        """The default account of `n2g-mock serve`: `N2G_MOCK_*` variables or the demo values."""
        return cls(
            auth_key=os.environ.get("N2G_MOCK_AUTH_KEY") or DEMO_AUTH_KEY,
            username=os.environ.get("N2G_MOCK_USERNAME") or DEMO_USERNAME,
            password=os.environ.get("N2G_MOCK_PASSWORD") or DEMO_PASSWORD,
            default_form_code=os.environ.get("N2G_MOCK_FORM_CODE") or DEMO_FORM_CODE,
        )


def _by_seq(item: MailingList | Recipient) -> int:
    return item.seq


@dataclass(eq=False)
class Account:
    """One customer account: its credentials, its user and company ids, and its data."""

    spec: AccountSpec
    account_id: str
    company_id: str
    user_id: str
    default_list_id: str = ""
    lists: dict[str, MailingList] = field(default_factory=dict)
    attribute_names: set[str] = field(default_factory=set)
    forms: dict[str, Form] = field(default_factory=dict)  # by form code
    attributes: dict[str, Attribute] = field(default_factory=dict)
    company: dict[str, Any] = field(default_factory=dict)  # company record (backend/profiles.py)
    user: dict[str, Any] | None = field(default_factory=dict)  # None once the user is deleted

    def __repr__(self) -> str:
        return f"Account(account_id={self.account_id!r}, username={self.spec.username!r})"

    def list_of(self, list_id: str) -> MailingList:
        """One of the account's lists; another account's or an unknown id is a 404."""
        mailing_list = self.lists.get(list_id)
        if mailing_list is None:
            raise not_found("list", list_id)
        return mailing_list


def new_member_index() -> SortedKeyList:
    """Recipients of one list in creation order; pages are sliced by position in O(log n + k)."""
    return SortedKeyList(key=_by_seq)
