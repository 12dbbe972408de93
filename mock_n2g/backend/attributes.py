"""Custom attributes: definitions per account, attached to lists, and their values on recipients."""

from __future__ import annotations

import re
from typing import Any

from mock_n2g.backend.accounts import Account
from mock_n2g.backend.fields import FLAG, FieldRule, check_fields
from mock_n2g.backend.lists import MailingList
from mock_n2g.backend.paging import (
    Page,
    PageRequest,
    filter_page,
    require_known_fields,
    slice_sequence,
)
from mock_n2g.backend.recipients import RECIPIENT_FIELDS
from mock_n2g.backend.store import Store
from mock_n2g.errors import FieldProblem, ValidationError, duplicate_value, not_found

NAME = re.compile(r"[0-9a-zA-Z_]+")
# The documented types; the sub types are those the service shows for each (the collection's
# examples: text/text, text/email, boolean/integer, date/date) plus their obvious siblings.
SUB_TYPES: dict[str, tuple[str, ...]] = {
    "text": ("text", "email", "url", "phone"),
    "number": ("integer", "float"),
    "boolean": ("integer", "boolean"),
    "date": ("date", "datetime"),
}
HTML_ELEMENT_TYPES = ("input", "textarea", "select", "checkbox", "radio")
ATTRIBUTE_RULES: dict[str, FieldRule] = {
    "name": FieldRule("str", max_length=64),
    "display": FieldRule("str", max_length=32),
    "type": FieldRule("choice", choices=tuple(SUB_TYPES)),
    "sub_type": FieldRule("str", max_length=32),
    "is_enum": FLAG,
    "is_public": FLAG,
    "is_multiselect": FLAG,
    "html_element_type": FieldRule("choice", choices=HTML_ELEMENT_TYPES),
    "is_global": FLAG,
    "default_value": FieldRule("str"),
}
DEFAULTS: dict[str, Any] = {
    "display": "all",
    "type": "text",
    "is_enum": False,
    "is_public": False,
    "is_multiselect": False,
    "html_element_type": "input",
    "is_global": False,
    "default_value": "",
}
ATTRIBUTE_FIELDS = ("id", "company_id", *ATTRIBUTE_RULES, "list_ids")


class Attribute:
    """One attribute definition; `list_ids` are the lists it is attached to."""

    __slots__ = ("company_id", "id", "list_ids", "seq", "settings")

    def __init__(self, attribute_id: str, seq: int, account: Account) -> None:
        self.id = attribute_id
        self.seq = seq
        self.company_id = account.company_id
        self.settings: dict[str, Any] = dict(DEFAULTS)
        self.list_ids: list[str] = []

    @property
    def name(self) -> str:
        return self.settings["name"]

    def value(self, name: str) -> Any:
        if name in ("id", "company_id", "list_ids"):
            return getattr(self, name)
        return self.settings.get(name)

    def representation(self, fields: list[str] | None = None) -> dict[str, Any]:
        shown = {}
        for name in fields if fields is not None else ATTRIBUTE_FIELDS:
            value = self.value(name) if name in ATTRIBUTE_FIELDS else None
            if value is not None:
                shown[name] = value
        return shown


def _checked(payload: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    values, problems = check_fields(ATTRIBUTE_RULES, payload)
    name = values.get("name")
    if name is not None and not NAME.fullmatch(name):
        problems.append(
            FieldProblem(
                "name",
                f"given name ({name}) for attribute is not allowed. "
                "Only Characters, numbers and _ are supported",
            )
        )
    elif current is None and name is None and not any(p.field_name == "name" for p in problems):
        problems.append(FieldProblem("name", "name is required"))
    merged = {**(current or DEFAULTS), **values}
    if "type" in values and "sub_type" not in values:
        merged["sub_type"] = SUB_TYPES[values["type"]][0]
    merged.setdefault("sub_type", SUB_TYPES.get(merged["type"], ("text",))[0])
    if merged["type"] in SUB_TYPES and merged["sub_type"] not in SUB_TYPES[merged["type"]]:
        allowed = ", ".join(SUB_TYPES[merged["type"]])
        problems.append(
            FieldProblem(
                "sub_type", f"sub_type of a {merged['type']} attribute is one of {allowed}"
            )
        )
    list_ids = payload.get("list_ids")
    if list_ids is not None and (
        not isinstance(list_ids, list)
        or not list_ids
        or not all(isinstance(item, str) for item in list_ids)
    ):
        problems.append(FieldProblem("list_ids", "list_ids must be a non-empty list of list ids"))
    elif current is None and list_ids is None:
        problems.append(FieldProblem("list_ids", "list_ids is required"))
    if problems:
        raise ValidationError(problems)
    return merged


class AttributeService:
    """Attribute definitions; deleting or renaming one changes the recipients' values."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, account: Account, attribute_id: str) -> Attribute:
        attribute = account.attributes.get(attribute_id)
        if attribute is None:
            raise not_found("attribute", attribute_id)
        return attribute

    def page(self, account: Account, list_id: str, request: PageRequest) -> Page[Attribute]:
        require_known_fields(request.filter, ATTRIBUTE_FIELDS.__contains__)
        with self._store.lock:
            account.list_of(list_id)
            attached = [a for a in account.attributes.values() if list_id in a.list_ids]
        if request.filter is None:
            return Page(slice_sequence(attached, request), len(attached))
        matching, page = filter_page(attached, request, lambda attribute: attribute.value)
        return Page(page, len(matching))

    def create(self, account: Account, payload: dict[str, Any]) -> Attribute:
        settings = _checked(payload, None)
        store = self._store
        with store.lock:
            lists = [account.list_of(list_id) for list_id in payload["list_ids"]]
            self._require_unique(account, settings["name"], None)
            attribute = Attribute(store.new_id(), store.next_seq(), account)
            attribute.settings = settings
            attribute.list_ids = list(dict.fromkeys(m.id for m in lists))
            account.attributes[attribute.id] = attribute
            account.attribute_names.add(attribute.name)
            store.other_ids.add(attribute.id)
        return attribute

    def update(self, account: Account, attribute_id: str, payload: dict[str, Any]) -> int:
        with self._store.lock:
            attribute = self.get(account, attribute_id)
            settings = _checked(payload, attribute.settings)
            if payload.get("list_ids") is not None:
                lists = [account.list_of(list_id) for list_id in payload["list_ids"]]
                new_list_ids = list(dict.fromkeys(m.id for m in lists))
            else:
                new_list_ids = attribute.list_ids
            old_name, new_name = attribute.name, settings["name"]
            if new_name != old_name:
                self._require_unique(account, new_name, attribute)
                for list_id in attribute.list_ids:
                    _rename_values(account.lists[list_id], old_name, new_name)
                account.attribute_names.add(new_name)
            for list_id in set(attribute.list_ids) - set(new_list_ids):
                _drop_values(account.lists[list_id], new_name)
            attribute.settings, attribute.list_ids = settings, new_list_ids
        return 1

    def delete(self, account: Account, list_id: str, attribute_id: str) -> int:
        """Detach from the list, dropping its values there; gone with its last list."""
        with self._store.lock:
            mailing_list = account.list_of(list_id)
            attribute = self.get(account, attribute_id)
            if list_id not in attribute.list_ids:
                raise not_found("attribute", f"{attribute_id} in list {list_id}")
            _drop_values(mailing_list, attribute.name)
            attribute.list_ids.remove(list_id)
            if not attribute.list_ids:
                del account.attributes[attribute.id]
                self._store.other_ids.discard(attribute.id)
        return 1

    def forget_list(self, account: Account, list_id: str) -> None:
        """A deleted list leaves every attribute; attributes left without a list go too."""
        with self._store.lock:
            for attribute in list(account.attributes.values()):
                if list_id in attribute.list_ids:
                    attribute.list_ids.remove(list_id)
                    if not attribute.list_ids:
                        del account.attributes[attribute.id]
                        self._store.other_ids.discard(attribute.id)

    @staticmethod
    def _require_unique(account: Account, name: str, own: Attribute | None) -> None:
        taken = name.lower() in RECIPIENT_FIELDS or any(
            other is not own and other.name.lower() == name.lower()
            for other in account.attributes.values()
        )
        if taken:
            raise duplicate_value(name, "name")


def _rename_values(mailing_list: MailingList, old: str, new: str) -> None:
    for recipient in mailing_list.members:
        if recipient.attributes and old in recipient.attributes:
            recipient.attributes[new] = recipient.attributes.pop(old)


def _drop_values(mailing_list: MailingList, name: str) -> None:
    for recipient in mailing_list.members:
        if recipient.attributes and name in recipient.attributes:
            del recipient.attributes[name]
            if not recipient.attributes:
                recipient.attributes = None
