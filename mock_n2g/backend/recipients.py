"""Recipients (contacts): one record per e-mail address and list, with the upsert rules."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mock_n2g.backend.accounts import Account
from mock_n2g.backend.fields import EMAIL, FLAG, TEXT, FieldRule, check_fields
from mock_n2g.backend.lists import MailingList
from mock_n2g.backend.paging import Page, PageRequest, filter_page, require_known_fields
from mock_n2g.backend.store import Store
from mock_n2g.clock import format_timestamp
from mock_n2g.errors import ApiError, FieldProblem, ValidationError, duplicate_value, not_found
from mock_n2g.fiql import Filter

RECIPIENT_RULES: dict[str, FieldRule] = {
    "email": EMAIL,
    "phone": FieldRule("str", max_length=64),
    "gender": FieldRule("choice", choices=("m", "f", "")),
    "first_name": TEXT,
    "last_name": TEXT,
    "rating": FieldRule("int", minimum=0, maximum=5),
    "is_unsubscribed": FLAG,
    "is_bounced": FLAG,
    "is_blacklisted": FLAG,
}
READ_ONLY_FIELDS = ("id", "created_at", "list_ids", "group_ids")
SELECTOR_FIELDS = frozenset({"list_id"})
DEFAULT_FIELDS = (
    "id",
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
    "list_ids",
    "group_ids",
)
RECIPIENT_FIELDS = frozenset(DEFAULT_FIELDS)
NOT_ATTRIBUTES = RECIPIENT_FIELDS | SELECTOR_FIELDS
ATTRIBUTE_NAME = re.compile(r"[0-9a-zA-Z_]+")


class Recipient:
    """One contact in one list. Slots keep 100,000 of them small."""

    __slots__ = (
        "attributes",
        "created_at",
        "email",
        "first_name",
        "gender",
        "groups",
        "id",
        "is_blacklisted",
        "is_bounced",
        "is_unsubscribed",
        "last_name",
        "mailing_list",
        "phone",
        "rating",
        "seq",
    )

    def __init__(self, recipient_id: str, seq: int, mailing_list: MailingList, now: float) -> None:
        self.id = recipient_id
        self.seq = seq
        self.mailing_list = mailing_list
        self.created_at = now
        self.email = ""
        self.phone: str | None = None
        self.gender: str | None = None
        self.first_name: str | None = None
        self.last_name: str | None = None
        self.rating = 0
        self.is_unsubscribed = False
        self.is_bounced = False
        self.is_blacklisted = False
        self.attributes: dict[str, Any] | None = None
        self.groups: list[str] | None = None  # ids of the static segments it was added to

    @property
    def list_id(self) -> str:
        return self.mailing_list.id

    @property
    def account_id(self) -> str:
        return self.mailing_list.account_id

    def group_ids(self) -> list[str]:
        """Static segments it was added to, then the dynamic ones whose filter it matches now."""
        static = list(self.groups or ())
        for group in self.mailing_list.groups.values():
            if group.is_dynamic and group.filter.matches(self.value):
                static.append(group.id)
        return static

    def value(self, name: str) -> Any:
        """A field's value by name (custom attributes included), None when unset."""
        if name in RECIPIENT_RULES or name == "id":
            return getattr(self, name)
        if name == "created_at":
            return format_timestamp(self.created_at)
        if name == "list_ids":
            return [self.list_id]
        if name == "group_ids":
            return self.group_ids()
        return self.attributes.get(name) if self.attributes else None

    def representation(self, fields: Iterable[str] | None = None) -> dict[str, Any]:
        """The requested fields (default: all, attributes included); unset ones left out."""
        if fields is None:
            fields = (*DEFAULT_FIELDS, *(self.attributes or ()))
        shown = {}
        for name in fields:
            value = self.value(name)
            if value is not None:
                shown[name] = value
        return shown


@dataclass
class CheckedRecipient:
    """A recipient payload after validation: known fields and custom attributes apart."""

    values: dict[str, Any]
    attributes: dict[str, Any]
    problems: list[FieldProblem] = field(default_factory=list)


def _attribute_problem(name: str, value: Any) -> str | None:
    if not ATTRIBUTE_NAME.fullmatch(name):
        return f"attribute name {name!r} may only contain letters, digits and _"
    if isinstance(value, list):
        if all(isinstance(item, str) for item in value):
            return None
    elif isinstance(value, str | int | float | bool):
        return None
    return f"{name} must be a string, number, boolean or a list of strings"


def check_recipient(payload: dict[str, Any], *, creating: bool) -> CheckedRecipient:
    values, problems = check_fields(RECIPIENT_RULES, payload)
    if "email" in values and not values["email"]:
        problems.append(FieldProblem("email", "email must not be empty"))
    elif creating and "email" not in values and not any(p.field_name == "email" for p in problems):
        problems.append(FieldProblem("email", "email is required"))
    attributes: dict[str, Any] = {}
    for name, value in payload.items():
        if name in NOT_ATTRIBUTES or value is None:
            continue
        problem = _attribute_problem(name, value)
        if problem:
            problems.append(FieldProblem(name, problem))
        else:
            attributes[name] = value
    return CheckedRecipient(values, attributes, problems)


@dataclass
class UpsertResult:
    recipients: list[Recipient]
    invalid: list[Any]


class RecipientService:
    """Recipients of an account's lists: upsert by e-mail, read, change, delete."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # reading

    def get(self, account: Account, recipient_id: str, list_id: str | None = None) -> Recipient:
        with self._store.lock:
            if list_id is not None:
                account.list_of(list_id)
            recipient = self._store.recipients.get(recipient_id)
        if (
            recipient is None
            or recipient.account_id != account.account_id
            or (list_id is not None and recipient.list_id != list_id)
        ):
            raise not_found("recipient", recipient_id)
        return recipient

    def page(self, account: Account, list_id: str | None, request: PageRequest) -> Page[Recipient]:
        """A page of one list's recipients, or of all lists' (list by list, oldest first)."""
        require_known_fields(request.filter, lambda name: self.known_field(account, name))
        with self._store.lock:
            lists = [account.list_of(list_id)] if list_id else list(account.lists.values())
            if request.filter is None:
                return self._plain_page(lists, request)
            members = [recipient for mailing_list in lists for recipient in mailing_list.members]
            # a filter reads every field (`group_ids` too): not while a write changes them
            matching, page = filter_page(members, request, lambda record: record.value)
            active = sum(1 for recipient in matching if not recipient.is_unsubscribed)
        return Page(page, len(matching), {"active": active})

    @staticmethod
    def _plain_page(lists: list[MailingList], request: PageRequest) -> Page[Recipient]:
        """Unfiltered page: skips whole lists and slices by position, never scans."""
        items: list[Recipient] = []
        skip, wanted = request.offset, request.limit
        for mailing_list in lists:
            size = len(mailing_list.members)
            if skip >= size:
                skip -= size
                continue
            if wanted > 0:
                chunk = mailing_list.members[skip : skip + wanted]
                items.extend(chunk)
                wanted -= len(chunk)
            skip = 0
        total = sum(len(mailing_list.members) for mailing_list in lists)
        active = sum(mailing_list.active for mailing_list in lists)
        return Page(items, total, {"active": active})

    # writing

    def upsert(self, account: Account, entries: list[Any]) -> UpsertResult:
        """Create or update by e-mail within each entry's list (the default list if none)."""
        checked: list[tuple[str, CheckedRecipient]] = []
        invalid: list[Any] = []
        for entry in entries:
            if not isinstance(entry, dict):
                raise ApiError(400, "each recipient must be a JSON object")
            list_id = entry.get("list_id") or account.default_list_id
            if not isinstance(list_id, str):
                invalid.append(entry)
                continue
            result = check_recipient(entry, creating=True)
            if result.problems:
                invalid.append(entry)
            else:
                checked.append((list_id, result))
        store = self._store
        with store.lock:
            for list_id, _ in checked:
                account.list_of(list_id)
            saved = [self._upsert_one(account, account.lists[lid], item) for lid, item in checked]
        return UpsertResult(saved, invalid)

    def update(
        self, account: Account, list_id: str, payload: dict[str, Any], recipient_id: str
    ) -> int:
        checked = self._checked_update(payload)
        with self._store.lock:
            recipient = self.get(account, recipient_id, list_id)
            self._apply(account, account.lists[list_id], recipient, checked)
        return 1

    def update_where(
        self, account: Account, list_id: str, payload: dict[str, Any], flt: Filter | None
    ) -> int:
        """PATCH with `_filter`: every matching recipient; without a filter, all of them."""
        checked = self._checked_update(payload)
        require_known_fields(flt, lambda name: self.known_field(account, name))
        with self._store.lock:
            mailing_list = account.list_of(list_id)
            targets = self._matching(mailing_list, flt)
            if "email" in checked.values and len(targets) > 1:
                raise duplicate_value(checked.values["email"], "email")
            for recipient in targets:
                self._apply(account, mailing_list, recipient, checked)
        return len(targets)

    def delete(self, account: Account, list_id: str, recipient_id: str) -> int:
        with self._store.lock:
            recipient = self.get(account, recipient_id, list_id)
            self._remove(account.lists[list_id], recipient)
        return 1

    def delete_where(self, account: Account, list_id: str, flt: Filter | None) -> int:
        """DELETE with `_filter`: every matching recipient; without a filter, all of them."""
        require_known_fields(flt, lambda name: self.known_field(account, name))
        with self._store.lock:
            mailing_list = account.list_of(list_id)
            targets = self._matching(mailing_list, flt)
            for recipient in targets:
                self._remove(mailing_list, recipient)
        return len(targets)

    # internals (callers hold the lock)

    @staticmethod
    def known_field(account: Account, name: str) -> bool:
        """Whether recipients of this account have a field of this name (filters may use it)."""
        return name in RECIPIENT_FIELDS or name in account.attribute_names

    @staticmethod
    def _matching(mailing_list: MailingList, flt: Filter | None) -> list[Recipient]:
        if flt is None:
            return list(mailing_list.members)
        return [r for r in mailing_list.members if flt.matches(r.value)]

    @staticmethod
    def _checked_update(payload: dict[str, Any]) -> CheckedRecipient:
        checked = check_recipient(payload, creating=False)
        if checked.problems:
            raise ValidationError(checked.problems)
        return checked

    def _upsert_one(
        self, account: Account, mailing_list: MailingList, checked: CheckedRecipient
    ) -> Recipient:
        key = checked.values["email"].lower()
        recipient = mailing_list.by_email.get(key)
        if recipient is None:
            store = self._store
            recipient = Recipient(store.new_id(), store.next_seq(), mailing_list, store.clock.now())
            recipient.email = checked.values["email"]
            mailing_list.members.add(recipient)
            mailing_list.by_email[key] = recipient
            mailing_list.active += 1
            store.recipients[recipient.id] = recipient
        values = {name: v for name, v in checked.values.items() if name != "email"}
        self._apply(account, mailing_list, recipient, CheckedRecipient(values, checked.attributes))
        return recipient

    @staticmethod
    def _apply(
        account: Account, mailing_list: MailingList, recipient: Recipient, checked: CheckedRecipient
    ) -> None:
        values = checked.values
        if "email" in values:
            new_key, old_key = values["email"].lower(), recipient.email.lower()
            holder = mailing_list.by_email.get(new_key)
            if holder is not None and holder is not recipient:
                raise duplicate_value(values["email"], "email")
            del mailing_list.by_email[old_key]
            mailing_list.by_email[new_key] = recipient
        if "is_unsubscribed" in values and values["is_unsubscribed"] != recipient.is_unsubscribed:
            mailing_list.active += 1 if recipient.is_unsubscribed else -1
        for name, value in values.items():
            setattr(recipient, name, value)
        if checked.attributes:
            if recipient.attributes is None:
                recipient.attributes = {}
            recipient.attributes.update(checked.attributes)
            account.attribute_names.update(checked.attributes)

    def _remove(self, mailing_list: MailingList, recipient: Recipient) -> None:
        for group_id in recipient.groups or ():
            mailing_list.groups[group_id].members.remove(recipient)
        mailing_list.members.remove(recipient)
        del mailing_list.by_email[recipient.email.lower()]
        if not recipient.is_unsubscribed:
            mailing_list.active -= 1
        del self._store.recipients[recipient.id]
