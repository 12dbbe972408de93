"""Portal events → Newsletter2Go, in order, each applied once.

The rules (see the README): a newsletter gets exactly one list; a subscription becomes a contact
by create-or-update in batches; a change is a PATCH on the contact's id (an e-mail change never
makes a second contact); a cancellation unsubscribes and keeps the contact; only a new
subscription after a cancellation sends `is_unsubscribed: false`. An event is marked processed
in the same transaction that stores its effect, after the service confirmed it, so a crash at
any point is repaired by running again: upserts by e-mail and looked-up list creates do not
duplicate, and nothing is lost.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import fields as dataclass_fields
from dataclasses import replace

from sync.client import Client, NotFound, ServiceError
from sync.operations import (
    CONTACT_FIELDS,
    Lists,
    UnknownNewsletter,
    Upsert,
    contact_fields,
    upsert_batch,
)
from sync.portal import (
    Event,
    NewsletterCreated,
    NewsletterRenamed,
    SubscriptionCancelled,
    SubscriptionCreated,
    SubscriptionUpdated,
)
from sync.report import Summary
from sync.state import State, SubscriptionRecord

DEFAULT_BATCH_SIZE = 500
Queued = tuple[SubscriptionCreated, SubscriptionRecord, Upsert]


class Engine:
    """Applies portal events through a client, remembering what it did in the state."""

    def __init__(
        self,
        client: Client,
        state: State,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._client = client
        self._state = state
        self._batch_size = batch_size
        self._progress = progress or (lambda done: None)
        self._summary = Summary()
        self._lists = Lists(client, state, self._summary)
        # creates wait per list, so interleaved newsletters still fill whole batches
        self._queues: dict[str, list[Queued]] = {}
        self._queued: set[str] = set()  # their subscription ids
        self._full: list[str] = []  # lists whose queue holds a whole batch

    def push(self, events: Iterable[Event]) -> Summary:
        """Apply the events in order; returns what was done. Raises on auth or outage."""
        self._summary = Summary()
        self._lists = Lists(self._client, self._state, self._summary)
        self._queues, self._queued, self._full = {}, set(), []
        sent_before = self._client.requests_sent
        try:
            for event in events:
                self._one(event)
                self._progress(1)
            self._flush()
        finally:
            self._summary.requests_sent = self._client.requests_sent - sent_before
        return self._summary

    # dispatch

    def _one(self, event: Event) -> None:
        if self._state.is_processed(event.event_id):
            self._summary.events_skipped += 1
            return
        if isinstance(event, SubscriptionCreated):
            if event.subscription_id in self._queued:
                self._flush()
            self._guarded(event, self._queue_create)
            while self._full:
                self._flush_list(self._full.pop())
            return
        self._flush()  # everything else sees the effects of the creates before it
        handlers: dict[type, Callable] = {
            NewsletterCreated: self._newsletter_created,
            NewsletterRenamed: self._newsletter_renamed,
            SubscriptionUpdated: self._subscription_updated,
            SubscriptionCancelled: self._subscription_cancelled,
        }
        self._guarded(event, handlers[type(event)])

    def _guarded(self, event: Event, handler: Callable) -> None:
        """Run a handler; an event that cannot be applied becomes a dead letter, not a crash."""
        try:
            handler(event)
        except (UnknownNewsletter, UnknownSubscription, ServiceError) as error:
            self._dead_letter(event, str(error))

    def _dead_letter(self, event: Event, reason: str) -> None:
        with self._state.transaction():
            fields = {f.name: getattr(event, f.name) for f in dataclass_fields(event)}
            payload = json.dumps(fields, default=dict, sort_keys=True)
            self._state.add_dead_letter(reason, event_id=event.event_id, payload=payload)
            self._state.mark_processed(event.event_id)
        self._summary.fail(f"event {event.event_id}", reason)

    # newsletters

    # Network calls never run inside a state transaction: what `Lists` records before a create
    # (the crash-safety marker) must be on disk before the request leaves.

    def _newsletter_created(self, event: NewsletterCreated) -> None:
        if self._state.list_id(event.newsletter_id) is None:
            self._lists.ensure(event.newsletter_id, event.name)
        self._state.mark_processed(event.event_id)
        self._summary.events_applied += 1

    def _newsletter_renamed(self, event: NewsletterRenamed) -> None:
        if self._state.newsletter_name(event.newsletter_id) is None:
            raise UnknownNewsletter(event.newsletter_id)
        if self._state.newsletter_name(event.newsletter_id) != event.name:
            self._lists.rename(event.newsletter_id, event.name)
        self._state.mark_processed(event.event_id)
        self._summary.events_applied += 1

    # subscriptions

    def _queue_create(self, event: SubscriptionCreated) -> None:
        record = self._state.subscription(event.subscription_id)
        fields = contact_fields(event.first_name, event.last_name, event.gender, event.attributes)
        same_contact = (
            record is not None
            and record.contact_id is not None
            and record.newsletter_id == event.newsletter_id
        )
        resubscribe = record is not None and record.status == "cancelled"
        if same_contact and record.email.lower() != event.email.lower():
            delta = {"email": event.email, **fields}
            if resubscribe:
                delta["is_unsubscribed"] = False
            self._change_contact(event.event_id, record, delta, fields=fields, status="active")
            return
        list_id = self._lists.ensure(event.newsletter_id)
        if event.attributes:
            self._lists.ensure_attributes(list_id, set(event.attributes))
        payload = {"email": event.email, **fields}
        if resubscribe:
            payload["is_unsubscribed"] = False  # the one place that re-subscribes
        new_record = SubscriptionRecord(
            subscription_id=event.subscription_id,
            newsletter_id=event.newsletter_id,
            contact_id=record.contact_id if same_contact else None,
            email=event.email,
            status="active",
            fields=fields,
        )
        queue = self._queues.setdefault(list_id, [])
        queue.append((event, new_record, Upsert(event.subscription_id, payload)))
        self._queued.add(event.subscription_id)
        if len(queue) == self._batch_size:
            self._full.append(list_id)

    def _flush(self) -> None:
        """Send every list's queued creates."""
        self._full = []
        for list_id in list(self._queues):
            self._flush_list(list_id)

    def _flush_list(self, list_id: str) -> None:
        """Send one list's queued creates; store their contacts and mark their events."""
        entries = self._queues.pop(list_id, [])
        self._queued.difference_update(event.subscription_id for event, _, _ in entries)
        if not entries:
            return
        try:
            outcome = upsert_batch(self._client, list_id, [upsert for _, _, upsert in entries])
        except NotFound:
            newsletter_id = entries[0][0].newsletter_id
            self._lists.gone(newsletter_id)
            list_id = self._lists.ensure(newsletter_id)
            outcome = upsert_batch(self._client, list_id, [u for _, _, u in entries])
        except ServiceError as error:
            for event, _, _ in entries:
                self._dead_letter(event, str(error))
            return
        self._store_creates(entries, outcome.contact_ids, outcome.invalid)

    def _store_creates(self, entries: list, contact_ids: dict, invalid: dict) -> None:
        refused = []
        with self._state.transaction():
            for event, record, upsert in entries:
                if upsert.key in invalid:
                    refused.append((event, invalid[upsert.key]))
                    continue
                previous = self._state.subscription(event.subscription_id)
                self._state.save_subscription(replace(record, contact_id=contact_ids[upsert.key]))
                self._state.mark_processed(event.event_id)
                self._summary.events_applied += 1
                if previous is None:
                    self._summary.contacts_created += 1
                elif previous.status == "cancelled":
                    self._summary.contacts_resubscribed += 1
                else:
                    self._summary.contacts_updated += 1
        for event, reason in refused:
            self._dead_letter(event, reason)

    def _subscription_updated(self, event: SubscriptionUpdated) -> None:
        record = self._known(event.subscription_id)
        changes = dict(event.changes)
        attributes = dict(changes.pop("attributes", None) or {})
        for name in ("first_name", "last_name", "gender"):
            if name in changes and changes[name] is None:
                changes[name] = ""  # cleared in the portal: "" clears it (null means "not given")
        wanted = {**record.fields, **changes, **attributes}
        email = changes.pop("email", record.email)
        fields = {name: value for name, value in wanted.items() if name != "email"}
        delta = {name: v for name, v in fields.items() if record.fields.get(name) != v}
        if email != record.email:
            delta["email"] = email
        if not delta:  # nothing differs from what was sent before: no write
            self._state.mark_processed(event.event_id)
            self._summary.events_applied += 1
            return
        self._change_contact(event.event_id, record, delta, fields=fields)

    def _change_contact(
        self,
        event_id: str,
        record: SubscriptionRecord,
        delta: dict,
        *,
        fields: dict | None = None,
        status: str | None = None,
    ) -> None:
        """PATCH the stored contact; if it is gone, make it again (unless it is cancelled)."""
        status = status or record.status
        list_id = self._lists.ensure(record.newsletter_id)
        attributes = {n for n in delta if n not in ("email", "is_unsubscribed", *CONTACT_FIELDS)}
        if attributes:
            self._lists.ensure_attributes(list_id, attributes)
        email = delta.get("email", record.email)
        fields = fields if fields is not None else {**record.fields, **delta}
        fields = {k: v for k, v in fields.items() if k not in ("email", "is_unsubscribed")}
        contact_id = record.contact_id
        try:
            if contact_id is None:
                raise NotFound(404, 404, "no contact yet")
            self._client.update_recipient(list_id, contact_id, delta)
        except NotFound:
            if status == "cancelled":
                self._summary.notices.append(
                    f"the contact of cancelled subscription {record.subscription_id} is gone;"
                    " not created again"
                )
            else:
                payload = {"email": email, **fields}
                if "is_unsubscribed" in delta:
                    payload["is_unsubscribed"] = delta["is_unsubscribed"]
                upsert = Upsert(record.subscription_id, payload)
                outcome = upsert_batch(self._client, list_id, [upsert])
                contact_id = outcome.contact_ids.get(record.subscription_id)
        updated = replace(record, email=email, fields=fields, contact_id=contact_id, status=status)
        with self._state.transaction():
            self._state.save_subscription(updated)
            self._state.mark_processed(event_id)
        self._summary.events_applied += 1
        if status == "active" and record.status == "cancelled":
            self._summary.contacts_resubscribed += 1
        else:
            self._summary.contacts_updated += 1

    def _subscription_cancelled(self, event: SubscriptionCancelled) -> None:
        record = self._known(event.subscription_id)
        if record.status != "cancelled" and record.contact_id is not None:
            list_id = self._lists.ensure(record.newsletter_id)
            try:
                self._client.update_recipient(list_id, record.contact_id, {"is_unsubscribed": True})
                self._summary.contacts_unsubscribed += 1
            except NotFound:
                self._summary.notices.append(
                    f"the contact of subscription {record.subscription_id} is gone already"
                )
        with self._state.transaction():
            self._state.save_subscription(replace(record, status="cancelled"))
            self._state.mark_processed(event.event_id)
        self._summary.events_applied += 1

    def _known(self, subscription_id: str) -> SubscriptionRecord:
        record = self._state.subscription(subscription_id)
        if record is None:
            raise UnknownSubscription(subscription_id)
        return record


class UnknownSubscription(LookupError):
    def __init__(self, subscription_id: str) -> None:
        super().__init__(
            f"subscription {subscription_id} is unknown: push its subscription.created event"
            " first, or reconcile"
        )
