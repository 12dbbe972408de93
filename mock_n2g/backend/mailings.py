"""Mailings (newsletters): create, read, change, and send them into the outbox."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

from mock_n2g.backend.accounts import Account
from mock_n2g.backend.fields import FLAG, TEXT, email_problem
from mock_n2g.backend.groups import GroupService
from mock_n2g.backend.mailing_records import (
    CONTENT_FIELDS,
    HEADER_FIELDS,
    ID_LISTS,
    MAILING_FIELDS,
    STATES,
    TRACKING_FROM_LIST,
    TRIGGERED_TYPES,
    VERSION_FIELDS,
    Mailing,
    Version,
    blocked,
    check_values,
    checked_fields,
    scheduled_time,
    statistics,
)
from mock_n2g.backend.outbox import Outbox
from mock_n2g.backend.paging import Page, PageRequest, require_known_fields, slice_sequence
from mock_n2g.backend.recipients import Recipient
from mock_n2g.backend.store import Store
from mock_n2g.errors import FieldProblem, ValidationError, bad_request, not_found

EVERYONE = PageRequest(limit=sys.maxsize)


class MailingService:
    """Create, read, change and send an account's mailings. The outbox gets what is sent."""

    def __init__(self, store: Store, groups: GroupService, outbox: Outbox) -> None:
        self._store = store
        self._groups = groups
        self._outbox = outbox
        self._mailings: dict[str, Mailing] = {}
        self._by_list: dict[str, dict[str, Mailing]] = {}  # list id -> mailings, oldest first

    # reading

    def get(self, account: Account, newsletter_id: str) -> Mailing:
        with self._store.lock:
            mailing = self._mailings.get(newsletter_id)
        if mailing is None or mailing.account_id != account.account_id:
            raise not_found("newsletter", newsletter_id)
        return mailing

    def page(self, account: Account, list_id: str, request: PageRequest) -> Page[Mailing]:
        """A page of a list's mailings; `extra` holds the statistics and counts by state."""
        require_known_fields(request.filter, MAILING_FIELDS.__contains__)
        with self._store.lock:
            account.list_of(list_id)
            mailings = list(self._by_list.get(list_id, {}).values())
            matching = mailings
            if request.filter is not None:
                matching = [m for m in mailings if request.filter.matches(m.value)]
            counts = {state: sum(1 for m in mailings if m.state == state) for state in STATES}
            extra = {
                "overall": statistics(mailings),
                "filtered": statistics(matching),
                "counts": counts,
            }
        return Page(slice_sequence(matching, request), len(matching), extra)

    def versions(self, account: Account, newsletter_id: str, request: PageRequest) -> Page[Version]:
        require_known_fields(request.filter, VERSION_FIELDS.__contains__)
        with self._store.lock:
            versions = list(self.get(account, newsletter_id).versions)
        if request.filter is not None:
            versions = [v for v in versions if request.filter.matches(v.value)]
        return Page(slice_sequence(versions, request), len(versions))

    # writing

    def create(self, account: Account, list_id: str, payload: dict[str, Any]) -> Mailing:
        store = self._store
        with store.lock:
            mailing_list = account.list_of(list_id)
            values = check_values(payload, None)
            self._check_audience(account, list_id, values)
            mailing_type = values.pop("type", "default")
            state = values.pop("state", "inactive") if mailing_type in TRIGGERED_TYPES else "draft"
            defaults: dict[str, Any] = {"is_deleted": False}
            for name, list_setting in TRACKING_FROM_LIST.items():
                defaults[name] = bool(list_setting and mailing_list.settings.get(list_setting))
            defaults.update({name: mailing_list.settings.get(name) for name in HEADER_FIELDS})
            now = store.clock.now()
            mailing = Mailing(
                store.new_id(),
                store.next_seq(),
                account.account_id,
                account.company_id,
                list_id,
                mailing_type,
                state,
                now,
                {**defaults, **values},
                modified_at=now,
            )
            store.other_ids.add(mailing.id)
            self._save_version(mailing, now)
            self._mailings[mailing.id] = mailing
            self._by_list.setdefault(list_id, {})[mailing.id] = mailing
        return mailing

    def update(self, account: Account, newsletter_id: str, payload: dict[str, Any]) -> int:
        """Change the given fields; a change of content saves a new version."""
        store = self._store
        with store.lock:
            mailing = self.get(account, newsletter_id)
            values = check_values(payload, mailing.type)
            self._check_audience(account, mailing.list_id, values)
            values.pop("type", None)
            if "state" in values:
                mailing.state = values.pop("state")
            changed = any(mailing.values.get(n) != values[n] for n in CONTENT_FIELDS if n in values)
            mailing.values.update(values)
            mailing.modified_at = store.clock.now()
            if changed:
                self._save_version(mailing, mailing.modified_at)
        return 1

    def send_test(self, account: Account, newsletter_id: str, payload: dict[str, Any]) -> int:
        """Test e-mails to every context's address; the mailing itself stays untouched."""
        with self._store.lock:
            mailing = self.get(account, newsletter_id)
            self._require_not_deleted(mailing)
            targets = self._contexts(account, mailing, payload.get("contexts"))
            subject = "[TEST] " + (mailing.values.get("subject") or "")
            for address, _ in targets:
                self._outbox.record(
                    account.account_id,
                    "test_mailing",
                    address,
                    subject,
                    mailing.body(),
                    newsletter_id=mailing.id,
                )
        return len(targets)

    def send(self, account: Account, newsletter_id: str, payload: dict[str, Any]) -> None:
        """Send a one-time mailing to its selection, or a transactional one to its contexts."""
        store = self._store
        with store.lock:
            mailing = self.get(account, newsletter_id)
            contexts = payload.get("contexts")
            if mailing.type == "default" and contexts not in (None, []):
                raise bad_request(
                    "submitting contexts to a newsletter of type 'default' is not allowed"
                )
            self._require_not_deleted(mailing)
            if mailing.state == "sent":
                raise bad_request("the newsletter has already been sent")
            if mailing.state == "inactive":
                raise bad_request("the newsletter is not active")
            scheduled = scheduled_time(payload, store.clock.now())
            if mailing.type == "default":
                addresses = [r.email for r in self._selection(account, mailing, payload)]
                mailing.state, mailing.scheduled = "sent", scheduled
            else:
                targets = self._contexts(account, mailing, contexts)
                # Transactional e-mails reach unsubscribed contacts (they are not newsletters),
                # but never a blacklisted or bounced address.
                addresses = [a for a, r in targets if r is None or not blocked(r, newsletter=False)]
            self._deliver(account, mailing, addresses)

    def forget_list(self, account: Account, list_id: str) -> None:
        """A list is being deleted (a `ListService` deletion hook): its mailings go with it."""
        with self._store.lock:
            for mailing in self._by_list.pop(list_id, {}).values():
                del self._mailings[mailing.id]
                self._store.other_ids.difference_update(
                    [mailing.id, *(version.id for version in mailing.versions)]
                )

    # internals (callers hold the lock)

    def _save_version(self, mailing: Mailing, now: float) -> None:
        content = {
            n: mailing.values[n] for n in CONTENT_FIELDS if mailing.values.get(n) is not None
        }
        version = Version(self._store.new_id(), mailing.id, now, content)
        self._store.other_ids.add(version.id)
        mailing.versions.append(version)

    @staticmethod
    def _require_not_deleted(mailing: Mailing) -> None:
        if mailing.values.get("is_deleted"):
            raise bad_request("the newsletter is deleted")

    def _recipient(self, list_id: str, recipient_id: Any) -> Recipient:
        recipient = (
            self._store.recipients.get(recipient_id) if isinstance(recipient_id, str) else None
        )
        if recipient is None or recipient.list_id != list_id:
            raise not_found("recipient", str(recipient_id))
        return recipient

    def _group(self, account: Account, list_id: str, group_id: str) -> list[Recipient]:
        """The members of a segment of the list (404 if it has no such segment)."""
        return self._groups.members_page(account, list_id, group_id, EVERYONE).items

    def _check_audience(self, account: Account, list_id: str, values: dict[str, Any]) -> None:
        for recipient_id in values.get("recipient_ids", ()):
            self._recipient(list_id, recipient_id)
        for group_id in values.get("group_ids", ()):
            self._group(account, list_id, group_id)

    def _selection(
        self, account: Account, mailing: Mailing, payload: dict[str, Any]
    ) -> list[Recipient]:
        """The recipients a one-time mailing reaches: the body's selection over the stored one.
        `list_id` alone selects the whole list; with `list_selected: false` only the given
        segments and recipients are mailed (as the collection's "Send one-time Mailing" says)."""
        given, problems = checked_fields({"list_selected": FLAG, "list_id": TEXT}, payload)
        if given.get("list_id", mailing.list_id) != mailing.list_id:
            problems.append(FieldProblem("list_id", "list_id must be the mailing's list"))
        if problems:
            raise ValidationError(problems)
        chosen = {n: mailing.values[n] for n in (*ID_LISTS, "list_selected") if n in mailing.values}
        chosen.update(given)
        whole = chosen.get("list_selected", "list_id" in chosen)
        members: dict[str, Recipient] = {}
        for recipient_id in chosen.get("recipient_ids", ()):
            recipient = self._recipient(mailing.list_id, recipient_id)
            members[recipient.id] = recipient
        for group_id in chosen.get("group_ids", ()):
            members.update((r.id, r) for r in self._group(account, mailing.list_id, group_id))
        if whole:
            members.update((r.id, r) for r in account.list_of(mailing.list_id).members)
        if not whole and not chosen.get("recipient_ids") and not chosen.get("group_ids"):
            raise bad_request("no recipients selected: give list_id, group_ids or recipient_ids")
        reachable = sorted(
            (r for r in members.values() if not blocked(r, newsletter=True)), key=_by_seq
        )
        if not reachable:
            raise bad_request("none of the selected recipients can receive the newsletter")
        return reachable

    def _contexts(
        self, account: Account, mailing: Mailing, contexts: Any
    ) -> list[tuple[str, Recipient | None]]:
        """Each context's address and the list's contact it names (by id or e-mail), if any."""
        if not isinstance(contexts, list) or not contexts:
            raise bad_request('contexts must be a non-empty array of {"recipient": {...}} objects')
        mailing_list = account.list_of(mailing.list_id)
        targets: list[tuple[str, Recipient | None]] = []
        for index, context in enumerate(contexts):
            data = context.get("recipient") if isinstance(context, dict) else None
            if not isinstance(data, dict) or (data.get("id") is None and data.get("email") is None):
                raise bad_request(f"contexts[{index}].recipient needs an email or an id")
            contact = (
                None if data.get("id") is None else self._recipient(mailing.list_id, data["id"])
            )
            address = data.get("email")
            if address is None:
                address = contact.email if contact else ""
            elif not isinstance(address, str) or email_problem(address.strip()):
                raise bad_request(
                    f"contexts[{index}].recipient.email is not a valid e-mail address"
                )
            address = address.strip()
            targets.append((address, contact or mailing_list.by_email.get(address.lower())))
        return targets

    def _deliver(self, account: Account, mailing: Mailing, addresses: list[str]) -> None:
        subject, body = mailing.values.get("subject") or "", mailing.body()
        for address in addresses:
            self._outbox.record(
                account.account_id, "mailing", address, subject, body, newsletter_id=mailing.id
            )
        if addresses:
            now = self._store.clock.now()
            day = datetime.fromtimestamp(now, UTC).date().isoformat()
            mailing.daily[day] = mailing.daily.get(day, 0) + len(addresses)
            mailing.mail_count += len(addresses)
            mailing.last_sent = now


def _by_seq(recipient: Recipient) -> int:
    return recipient.seq
