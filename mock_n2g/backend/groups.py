"""Segments (groups) of a list: static ones with added members, dynamic ones defined by a filter."""

from __future__ import annotations

from typing import Any

from sortedcontainers import SortedKeyList

from mock_n2g import fiql
from mock_n2g.backend.accounts import Account, new_member_index
from mock_n2g.backend.fields import FLAG, FieldRule, check_fields
from mock_n2g.backend.lists import MailingList
from mock_n2g.backend.paging import (
    Page,
    PageRequest,
    filter_page,
    require_known_fields,
    slice_sequence,
)
from mock_n2g.backend.recipients import Recipient, RecipientService
from mock_n2g.backend.store import Store
from mock_n2g.clock import format_timestamp
from mock_n2g.errors import (
    ApiError,
    FieldProblem,
    ValidationError,
    bad_request,
    duplicate_value,
    not_found,
)

GROUP_RULES: dict[str, FieldRule] = {
    "list_id": FieldRule("str", max_length=8),
    "name": FieldRule("str", max_length=255),
    "is_dynamic": FLAG,
    "filter": FieldRule("str", max_length=4096),
}
GROUP_FIELDS = ("id", "list_id", "name", "is_dynamic", "filter", "created_at", "modified_at")


class Group:
    """One segment. Static members are indexed in creation order of the recipients."""

    __slots__ = (
        "created_at",
        "filter",
        "id",
        "is_dynamic",
        "mailing_list",
        "members",
        "modified_at",
        "name",
        "seq",
    )

    def __init__(self, group_id: str, seq: int, mailing_list: MailingList, now: float) -> None:
        self.id = group_id
        self.seq = seq
        self.mailing_list = mailing_list
        self.name = ""
        self.is_dynamic = False
        self.filter: fiql.Filter | None = None
        self.created_at = now
        self.modified_at = now
        self.members: SortedKeyList = new_member_index()

    def value(self, name: str) -> Any:
        if name == "list_id":
            return self.mailing_list.id
        if name == "filter":
            return self.filter.source if self.filter else None
        if name in ("created_at", "modified_at"):
            return format_timestamp(getattr(self, name))
        return getattr(self, name) if name in GROUP_FIELDS else None

    def representation(self, fields: list[str] | None = None) -> dict[str, Any]:
        shown = {}
        for name in fields if fields is not None else GROUP_FIELDS:
            value = self.value(name)
            if value is not None:
                shown[name] = value
        return shown


class GroupService:
    """Segments and their members."""

    def __init__(self, store: Store, recipients: RecipientService) -> None:
        self._store = store
        self._recipients = recipients

    # segments

    def get(self, account: Account, group_id: str, list_id: str | None = None) -> Group:
        with self._store.lock:
            if list_id is not None:
                account.list_of(list_id)
            group = self._store.groups.get(group_id)
        if (
            group is None
            or group.mailing_list.account_id != account.account_id
            or (list_id is not None and group.mailing_list.id != list_id)
        ):
            raise not_found("group", group_id)
        return group

    def page(self, account: Account, list_id: str, request: PageRequest) -> Page[Group]:
        require_known_fields(request.filter, GROUP_FIELDS.__contains__)
        with self._store.lock:
            mailing_list = account.list_of(list_id)
            groups = list(mailing_list.groups.values())
        if request.filter is None:
            return Page(slice_sequence(groups, request), len(groups))
        matching, page = filter_page(groups, request, lambda group: group.value)
        return Page(page, len(matching))

    def create(self, account: Account, payload: dict[str, Any]) -> Group:
        values, problems = check_fields(GROUP_RULES, payload)
        for required in ("list_id", "name"):
            if not str(values.get(required, "")).strip() and not _named(problems, required):
                problems.append(FieldProblem(required, f"{required} is required"))
        if problems:
            raise ValidationError(problems)
        is_dynamic = values.get("is_dynamic", False)
        flt = self._segment_filter(account, values.get("filter"), is_dynamic=is_dynamic)
        store = self._store
        with store.lock:
            mailing_list = account.list_of(values["list_id"])
            self._require_unique_name(mailing_list, values["name"], None)
            group = Group(store.new_id(), store.next_seq(), mailing_list, store.clock.now())
            group.name, group.is_dynamic, group.filter = values["name"], is_dynamic, flt
            mailing_list.groups[group.id] = group
            store.groups[group.id] = group
        return group

    def update(self, account: Account, group_id: str, payload: dict[str, Any]) -> int:
        values, problems = check_fields(GROUP_RULES, payload)
        if "name" in values and not values["name"].strip():
            problems.append(FieldProblem("name", "name must not be empty"))
        if problems:
            raise ValidationError(problems)
        with self._store.lock:
            group = self.get(account, group_id)
            if values.get("is_dynamic", group.is_dynamic) != group.is_dynamic:
                raise ValidationError([FieldProblem("is_dynamic", "is_dynamic cannot be changed")])
            if "list_id" in values and values["list_id"] != group.mailing_list.id:
                raise ValidationError([FieldProblem("list_id", "a segment cannot change lists")])
            flt = group.filter
            if "filter" in values:
                flt = self._segment_filter(account, values["filter"], is_dynamic=group.is_dynamic)
            if "name" in values:
                self._require_unique_name(group.mailing_list, values["name"], group)
                group.name = values["name"]
            group.filter = flt
            group.modified_at = self._store.clock.now()
        return 1

    def delete(self, account: Account, group_id: str) -> int:
        with self._store.lock:
            group = self.get(account, group_id)
            for recipient in group.members:
                recipient.groups.remove(group.id)
                if not recipient.groups:
                    recipient.groups = None
            del group.mailing_list.groups[group.id]
            del self._store.groups[group.id]
        return 1

    # members

    def members_page(
        self, account: Account, list_id: str, group_id: str, request: PageRequest
    ) -> Page[Recipient]:
        require_known_fields(
            request.filter, lambda name: self._recipients.known_field(account, name)
        )
        with self._store.lock:
            group = self.get(account, group_id, list_id)
            members = self._members(group)
            if request.filter is None:
                page, matching = slice_sequence(members, request), members
            else:
                matching, page = filter_page(members, request, lambda record: record.value)
            active = sum(1 for recipient in matching if not recipient.is_unsubscribed)
        return Page(page, len(matching), {"active": active})

    def add_member(self, account: Account, list_id: str, group_id: str, recipient_id: str) -> int:
        with self._store.lock:
            group = self._static(account, list_id, group_id)
            recipient = self._recipients.get(account, recipient_id, list_id)
            return self._add(group, recipient)

    def add_where(
        self, account: Account, list_id: str, group_id: str, flt: fiql.Filter | None
    ) -> int:
        """Add every recipient of the list matching the filter (all of them without one)."""
        require_known_fields(flt, lambda name: self._recipients.known_field(account, name))
        with self._store.lock:
            group = self._static(account, list_id, group_id)
            candidates = group.mailing_list.members
            targets = [r for r in candidates if flt is None or flt.matches(r.value)]
            return sum(self._add(group, recipient) for recipient in targets)

    def remove_member(
        self, account: Account, list_id: str, group_id: str, recipient_id: str
    ) -> int:
        with self._store.lock:
            group = self._static(account, list_id, group_id)
            recipient = self._recipients.get(account, recipient_id, list_id)
            if group.id not in (recipient.groups or ()):
                raise not_found("recipient", f"{recipient_id} in group {group_id}")
            self._remove(group, recipient)
        return 1

    def remove_where(
        self, account: Account, list_id: str, group_id: str, flt: fiql.Filter | None
    ) -> int:
        """Remove the members matching the filter (all of them without one)."""
        require_known_fields(flt, lambda name: self._recipients.known_field(account, name))
        with self._store.lock:
            group = self._static(account, list_id, group_id)
            targets = [r for r in group.members if flt is None or flt.matches(r.value)]
            for recipient in targets:
                self._remove(group, recipient)
        return len(targets)

    # internals (callers hold the lock)

    def _static(self, account: Account, list_id: str, group_id: str) -> Group:
        group = self.get(account, group_id, list_id)
        if group.is_dynamic:
            raise ApiError(400, "recipients cannot be added to or removed from a dynamic segment")
        return group

    @staticmethod
    def _members(group: Group) -> list[Recipient]:
        if not group.is_dynamic:
            return list(group.members)
        assert group.filter is not None
        return [r for r in group.mailing_list.members if group.filter.matches(r.value)]

    @staticmethod
    def _add(group: Group, recipient: Recipient) -> int:
        if group.id in (recipient.groups or ()):
            return 0
        recipient.groups = [*(recipient.groups or ()), group.id]
        group.members.add(recipient)
        return 1

    @staticmethod
    def _remove(group: Group, recipient: Recipient) -> None:
        assert recipient.groups is not None
        recipient.groups.remove(group.id)
        if not recipient.groups:
            recipient.groups = None
        group.members.remove(recipient)

    @staticmethod
    def _require_unique_name(mailing_list: MailingList, name: str, own: Group | None) -> None:
        for other in mailing_list.groups.values():
            if other is not own and other.name.lower() == name.lower():
                raise duplicate_value(name, "name")

    def _segment_filter(
        self, account: Account, source: str | None, *, is_dynamic: bool
    ) -> fiql.Filter | None:
        """A dynamic segment needs a valid filter over recipient fields; a static one none."""
        if not is_dynamic:
            if source:
                problem = FieldProblem("filter", "only dynamic segments have a filter")
                raise ValidationError([problem])
            return None
        if not source or not source.strip():
            raise ValidationError([FieldProblem("filter", "a dynamic segment needs a filter")])
        try:
            flt = fiql.parse(source)
        except fiql.FilterError as error:
            raise bad_request(f"invalid filter: {error}") from None
        if "group_ids" in flt.field_names():
            raise bad_request("a segment filter cannot refer to group_ids")
        require_known_fields(flt, lambda name: self._recipients.known_field(account, name))
        return flt


def _named(problems: list[FieldProblem], field_name: str) -> bool:
    return any(problem.field_name == field_name for problem in problems)
