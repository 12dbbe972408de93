"""The building blocks the engine and the reconciler share: lists, attributes, batched upserts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sync.client import Client, NotFound
from sync.report import Summary
from sync.state import State

CONTACT_FIELDS = ("first_name", "last_name", "gender")


def contact_fields(
    first_name: str | None,
    last_name: str | None,
    gender: str | None,
    attributes: Mapping[str, Any],
) -> dict[str, Any]:
    """The portal's optional fields as the contact gets them; unset ones are not sent at all."""
    fields = {
        name: value
        for name, value in zip(CONTACT_FIELDS, (first_name, last_name, gender), strict=True)
        if value is not None
    }
    fields.update({name: value for name, value in attributes.items() if value is not None})
    return fields


@dataclass(frozen=True)
class Upsert:
    """One contact to create or update by e-mail; `key` says whose it is (a subscription)."""

    key: str
    payload: dict[str, Any]  # email + fields (+ is_unsubscribed: False only to re-subscribe)


@dataclass(frozen=True)
class UpsertOutcome:
    contact_ids: dict[str, str]  # key → contact id
    invalid: dict[str, str]  # key → why the service refused it


def upsert_batch(client: Client, list_id: str, upserts: Sequence[Upsert]) -> UpsertOutcome:
    """POST arrays whose objects share their keys; map the answers back to the upserts.

    The service answers one id per saved contact in the order sent and echoes refused entries
    in `invalid_recipients`, so the ids belong, in order, to the entries it did not refuse.
    """
    groups: dict[tuple[str, ...], list[Upsert]] = {}
    for upsert in upserts:
        groups.setdefault(tuple(sorted(upsert.payload)), []).append(upsert)
    contact_ids: dict[str, str] = {}
    invalid: dict[str, str] = {}
    for group in groups.values():
        result = client.upsert_recipients(list_id, [dict(u.payload) for u in group])
        refused = {str(entry.get("email", "")).strip().lower() for entry in result.invalid}
        accepted = []
        for upsert in group:
            if upsert.payload["email"].strip().lower() in refused:
                invalid[upsert.key] = "the service refused the contact as invalid"
            else:
                accepted.append(upsert)
        if len(accepted) != len(result.ids):
            for upsert in accepted:  # cannot pair by position: ask for each one
                found = client.find_recipient(list_id, upsert.payload["email"])
                if found is None:
                    invalid[upsert.key] = "the service did not save the contact"
                else:
                    contact_ids[upsert.key] = found["id"]
            continue
        for upsert, contact_id in zip(accepted, result.ids, strict=True):
            contact_ids[upsert.key] = contact_id
    return UpsertOutcome(contact_ids, invalid)


class Lists:
    """Newsletter → list: created once, renamed, recreated when deleted in Newsletter2Go."""

    def __init__(self, client: Client, state: State, summary: Summary) -> None:
        self._client = client
        self._state = state
        self._summary = summary

    def ensure(self, newsletter_id: str, name: str | None = None) -> str:
        """The newsletter's list id, creating the list if it has none (yet, or any more)."""
        list_id = self._state.list_id(newsletter_id)
        if list_id is not None:
            return list_id
        known_name = name or self._state.newsletter_name(newsletter_id)
        if known_name is None:
            raise UnknownNewsletter(newsletter_id)
        recreating = self._state.newsletter_name(newsletter_id) is not None
        list_id = self._create(newsletter_id, known_name)
        if recreating:
            self._summary.lists_recreated += 1
        else:
            self._summary.lists_created += 1
        return list_id

    def gone(self, newsletter_id: str) -> None:
        """The list was deleted in Newsletter2Go: report it; the next need recreates it."""
        name = self._state.newsletter_name(newsletter_id)
        self._summary.notices.append(
            f"the list of newsletter {newsletter_id} ({name!r}) was deleted in Newsletter2Go;"
            " it is created again"
        )
        self._state.forget_list(newsletter_id)

    def rename(self, newsletter_id: str, name: str) -> None:
        list_id = self.ensure(newsletter_id, name)
        try:
            self._client.rename_list(list_id, name)
        except NotFound:
            self.gone(newsletter_id)
            self._state.remember_newsletter(newsletter_id, name, None)
            self.ensure(newsletter_id, name)
            return
        self._state.remember_newsletter(newsletter_id, name, list_id)
        self._summary.lists_renamed += 1

    def ensure_attributes(self, list_id: str, names: set[str]) -> None:
        """Contacts' attributes must exist in the list before values are sent."""
        missing = names - self._state.known_attributes(list_id)
        if not missing:
            return
        existing = set(self._client.list_attributes(list_id))
        for name in sorted(missing - existing):
            self._client.create_attribute(list_id, name)
        self._state.remember_attributes(list_id, existing | missing)

    def _create(self, newsletter_id: str, name: str) -> str:
        """Create the list, safe against a crash between the create and remembering it."""
        pending = self._state.list_creating(newsletter_id)
        mapped = self._state.mapped_list_ids()
        list_id = None
        if pending is not None:  # a create may have happened before a crash: look first
            found = self._client.find_lists_by_name(pending)
            unmapped = [lst["id"] for lst in found if lst["id"] not in mapped]
            list_id = unmapped[-1] if unmapped else None  # the newest, as the client picks
        if list_id is None:
            self._state.mark_list_creating(newsletter_id, name)
            list_id = self._client.create_list(name, exclude=mapped)
        self._state.remember_newsletter(newsletter_id, name, list_id)
        return list_id


class UnknownNewsletter(LookupError):
    def __init__(self, newsletter_id: str) -> None:
        super().__init__(
            f"newsletter {newsletter_id} is unknown: push its newsletter.created event first,"
            " or reconcile"
        )
        self.newsletter_id = newsletter_id
