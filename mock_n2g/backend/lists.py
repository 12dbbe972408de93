"""Address books (lists): fields, defaults and rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mock_n2g.backend.accounts import Account, new_member_index
from mock_n2g.backend.fields import EMAIL, FLAG, TEXT, FieldRule, check_fields
from mock_n2g.backend.paging import (
    Page,
    PageRequest,
    filter_page,
    require_known_fields,
    slice_sequence,
)
from mock_n2g.backend.store import Store
from mock_n2g.clock import format_timestamp
from mock_n2g.errors import ApiError, FieldProblem, ValidationError, not_found

if TYPE_CHECKING:
    from sortedcontainers import SortedKeyList

    from mock_n2g.backend.groups import Group
    from mock_n2g.backend.recipients import Recipient

NAME_MAX_LENGTH = 64

LIST_RULES: dict[str, FieldRule] = {
    "name": FieldRule("str", max_length=NAME_MAX_LENGTH),
    "is_disabled": FLAG,
    "uses_econda": FLAG,
    "uses_googleanalytics": FLAG,
    "has_opentracking": FLAG,
    "has_clicktracking": FLAG,
    "has_conversiontracking": FLAG,
    "imprint": TEXT,
    "landingpage": TEXT,
    "tracking_url": TEXT,
    "header_from_email": EMAIL,
    "header_from_name": TEXT,
    "header_reply_email": EMAIL,
    "header_reply_name": TEXT,
    "use_ecg_list": FLAG,
}

LIST_DEFAULTS: dict[str, Any] = {
    "is_disabled": False,
    "uses_econda": False,
    "uses_googleanalytics": False,
    "has_opentracking": True,
    "has_clicktracking": True,
    "has_conversiontracking": True,
    "use_ecg_list": False,
}

READ_ONLY_FIELDS = ("id", "company_id", "created_at", "modified_at")
LIST_FIELDS = frozenset(READ_ONLY_FIELDS) | LIST_RULES.keys()


class MailingList:
    """One address book and the index of its recipients."""

    __slots__ = (
        "account_id",
        "active",
        "by_email",
        "company_id",
        "created_at",
        "groups",
        "id",
        "members",
        "modified_at",
        "seq",
        "settings",
    )

    def __init__(self, list_id: str, seq: int, account: Account, now: float) -> None:
        self.id = list_id
        self.seq = seq
        self.account_id = account.account_id
        self.company_id = account.company_id
        self.created_at = now
        self.modified_at = now
        self.settings: dict[str, Any] = dict(LIST_DEFAULTS)
        self.members: SortedKeyList = new_member_index()
        self.by_email: dict[str, Recipient] = {}
        self.active = 0  # members not unsubscribed
        self.groups: dict[str, Group] = {}

    def value(self, name: str) -> Any:
        if name == "id":
            return self.id
        if name == "company_id":
            return self.company_id
        if name == "created_at":
            return format_timestamp(self.created_at)
        if name == "modified_at":
            return format_timestamp(self.modified_at)
        return self.settings.get(name)

    def representation(self, fields: list[str] | None = None) -> dict[str, Any]:
        """The list's fields; unset ones are left out, as the service leaves them out."""
        names = fields if fields is not None else [*READ_ONLY_FIELDS, *LIST_RULES]
        shown = {}
        for name in names:
            if name in LIST_FIELDS:
                value = self.value(name)
                if value is not None:
                    shown[name] = value
        return shown


def _checked(payload: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    values, problems = check_fields(LIST_RULES, payload)
    if "name" in values and not values["name"].strip():
        problems.append(FieldProblem("name", "name must not be empty"))
    elif creating and "name" not in values and not any(p.field_name == "name" for p in problems):
        problems.append(FieldProblem("name", "name is required"))
    if problems:
        raise ValidationError(problems)
    return values


class ListService:
    """Create, read, change and delete an account's address books."""

    def __init__(self, store: Store) -> None:
        self._store = store
        # called (under the lock) before a list goes, so what hangs on it goes too
        self.deletion_hooks: list[Callable[[Account, str], None]] = []

    def get(self, account: Account, list_id: str) -> MailingList:
        mailing_list = account.lists.get(list_id)
        if mailing_list is None:
            raise not_found("list", list_id)
        return mailing_list

    def create(self, account: Account, payload: dict[str, Any]) -> MailingList:
        values = _checked(payload, creating=True)
        store = self._store
        with store.lock:
            mailing_list = MailingList(store.new_id(), store.next_seq(), account, store.clock.now())
            mailing_list.settings.update(values)
            account.lists[mailing_list.id] = mailing_list
            store.lists[mailing_list.id] = mailing_list
            if not account.default_list_id:
                account.default_list_id = mailing_list.id
        return mailing_list

    def page(self, account: Account, request: PageRequest) -> Page[MailingList]:
        require_known_fields(request.filter, LIST_FIELDS.__contains__)
        with self._store.lock:
            lists = list(account.lists.values())
        if request.filter is None:
            return Page(slice_sequence(lists, request), len(lists))
        matching, page = filter_page(lists, request, lambda record: record.value)
        return Page(page, len(matching))

    def update(self, account: Account, list_id: str, payload: dict[str, Any]) -> int:
        values = _checked(payload, creating=False)
        with self._store.lock:
            mailing_list = self.get(account, list_id)
            mailing_list.settings.update(values)
            mailing_list.modified_at = self._store.clock.now()
        return 1

    def delete(self, account: Account, list_id: str) -> int:
        """Delete the list with all its recipients."""
        store = self._store
        with store.lock:
            mailing_list = self.get(account, list_id)
            if list_id == account.default_list_id:
                raise ApiError(400, "the default list cannot be deleted")
            self.remove(account, mailing_list)
        return 1

    def remove(self, account: Account, mailing_list: MailingList) -> None:
        """Take a list and everything hanging on it out of the store (caller holds the lock)."""
        store = self._store
        for hook in self.deletion_hooks:
            hook(account, mailing_list.id)
        for recipient in mailing_list.members:
            del store.recipients[recipient.id]
        for group_id in mailing_list.groups:
            del store.groups[group_id]
        del account.lists[mailing_list.id]
        del store.lists[mailing_list.id]
