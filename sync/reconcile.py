"""Reconcile: make Newsletter2Go match a portal snapshot, reading the account page by page.

Creates missing lists, upserts missing or changed contacts, unsubscribes contacts that are
active in Newsletter2Go but not (or no longer) in the portal, and reports — never overwrites —
contacts who unsubscribed in Newsletter2Go while the portal still has them active. A dry run
reads everything and writes nothing, neither to the service nor to the sync's state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sync.client import Client
from sync.operations import Lists, Upsert, contact_fields, upsert_batch
from sync.portal import Snapshot, SnapshotSubscription
from sync.report import Summary
from sync.state import State, SubscriptionRecord

READ_FIELDS = ["email", "first_name", "last_name", "gender", "is_unsubscribed"]


@dataclass
class ListPlan:
    """What one list needs: upserts (and which count as what) and contacts to unsubscribe."""

    upserts: list[Upsert] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)  # subscription id → created|updated|...
    unsubscribe: list[str] = field(default_factory=list)  # contact ids
    records: list[SubscriptionRecord] = field(default_factory=list)


class Reconciler:
    def __init__(
        self,
        client: Client,
        state: State,
        *,
        batch_size: int = 500,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self._client = client
        self._state = state
        self._batch_size = batch_size
        self._progress = progress or (lambda done: None)
        self._complete = True

    def run(self, snapshot: Snapshot, *, dry_run: bool = False, complete: bool = True) -> Summary:
        """`complete=False` (the snapshot had refused entries): a contact missing from it may be
        one of those, so nobody is unsubscribed for being missing in this run."""
        summary = Summary()
        self._complete = complete
        if not complete:
            summary.notices.append(
                "the snapshot had invalid entries: contacts missing from it are not unsubscribed"
                " in this run"
            )
        sent_before = self._client.requests_sent
        try:
            self._run(snapshot, dry_run, summary)
        finally:
            summary.requests_sent = self._client.requests_sent - sent_before
        return summary

    def _run(self, snapshot: Snapshot, dry_run: bool, summary: Summary) -> None:
        lists = Lists(self._client, self._state, summary)
        remote = {lst["id"]: lst for lst in self._client.lists()}
        by_newsletter: dict[str, list[SnapshotSubscription]] = {}
        for subscription in snapshot.subscriptions:
            by_newsletter.setdefault(subscription.newsletter_id, []).append(subscription)
        for newsletter in snapshot.newsletters:
            list_id = self._state.list_id(newsletter.newsletter_id)
            if list_id is not None and list_id not in remote:
                summary.notices.append(
                    f"the list of newsletter {newsletter.newsletter_id} ({newsletter.name!r})"
                    " was deleted in Newsletter2Go"
                )
                list_id = None
                if not dry_run:
                    self._state.forget_list(newsletter.newsletter_id)
            if list_id is None:
                if dry_run:
                    summary.plan.append(f"create list {newsletter.name!r}")
                    for sub in by_newsletter.get(newsletter.newsletter_id, []):
                        if sub.status == "active":
                            summary.plan.append(
                                f"create contact {sub.email} in {newsletter.name!r}"
                            )
                    continue
                list_id = lists.ensure(newsletter.newsletter_id, newsletter.name)
            elif remote[list_id].get("name") != newsletter.name:
                if dry_run:
                    summary.plan.append(
                        f"rename list {remote[list_id].get('name')!r} to {newsletter.name!r}"
                    )
                else:
                    lists.rename(newsletter.newsletter_id, newsletter.name)
            subscriptions = by_newsletter.get(newsletter.newsletter_id, [])
            plan = self._plan(list_id, subscriptions, summary)
            if dry_run:
                self._describe(plan, newsletter.name, summary)
            else:
                self._apply(lists, list_id, plan, summary)
            self._progress(len(subscriptions) or 1)

    def _plan(
        self, list_id: str, subscriptions: list[SnapshotSubscription], summary: Summary
    ) -> ListPlan:
        attributes = sorted({name for sub in subscriptions for name in sub.attributes})
        contacts = {
            contact["email"].strip().lower(): contact
            for contact in self._client.iter_recipients(list_id, fields=READ_FIELDS + attributes)
        }
        plan = ListPlan()
        wanted_emails = set()
        for sub in subscriptions:
            email = sub.email.strip().lower()
            wanted_emails.add(email)
            contact = contacts.get(email)
            known = self._state.subscription(sub.subscription_id)
            fields = contact_fields(sub.first_name, sub.last_name, sub.gender, sub.attributes)
            record = SubscriptionRecord(
                subscription_id=sub.subscription_id,
                newsletter_id=sub.newsletter_id,
                contact_id=contact["id"] if contact else None,
                email=sub.email,
                status=sub.status,
                fields=fields,
            )
            plan.records.append(record)
            if sub.status == "cancelled":
                if contact is not None and not contact.get("is_unsubscribed"):
                    plan.unsubscribe.append(contact["id"])
                continue
            payload: dict[str, Any] = {"email": sub.email, **fields}
            if contact is None:
                plan.upserts.append(Upsert(sub.subscription_id, payload))
                plan.kinds[sub.subscription_id] = "created"
            elif contact.get("is_unsubscribed"):
                if known is not None and known.status == "cancelled":
                    payload["is_unsubscribed"] = False  # the portal re-subscribed it
                    plan.upserts.append(Upsert(sub.subscription_id, payload))
                    plan.kinds[sub.subscription_id] = "resubscribed"
                else:
                    summary.notices.append(
                        f"{sub.email} unsubscribed in Newsletter2Go but is active in the portal"
                        f" (subscription {sub.subscription_id}): left unsubscribed"
                    )
            elif any(contact.get(name) != value for name, value in fields.items()):
                plan.upserts.append(Upsert(sub.subscription_id, payload))
                plan.kinds[sub.subscription_id] = "updated"
        for email, contact in contacts.items():
            missing = email not in wanted_emails and not contact.get("is_unsubscribed")
            if missing and self._complete:
                plan.unsubscribe.append(contact["id"])
        return plan

    @staticmethod
    def _describe(plan: ListPlan, name: str, summary: Summary) -> None:
        for upsert in plan.upserts:
            kind = plan.kinds[upsert.key].removesuffix("d")
            summary.plan.append(f"{kind} contact {upsert.payload['email']} in {name!r}")
        if plan.unsubscribe:
            summary.plan.append(f"unsubscribe {len(plan.unsubscribe)} contact(s) in {name!r}")

    def _apply(self, lists: Lists, list_id: str, plan: ListPlan, summary: Summary) -> None:
        attributes = {n for u in plan.upserts for n in u.payload} - {
            "email",
            "first_name",
            "last_name",
            "gender",
            "is_unsubscribed",
        }
        if attributes:
            lists.ensure_attributes(list_id, attributes)
        contact_ids: dict[str, str] = {}
        for start in range(0, len(plan.upserts), self._batch_size):
            chunk = plan.upserts[start : start + self._batch_size]
            outcome = upsert_batch(self._client, list_id, chunk)
            contact_ids.update(outcome.contact_ids)
            for key, reason in outcome.invalid.items():
                summary.fail(f"subscription {key}", reason)
        for key, kind in plan.kinds.items():
            if key not in contact_ids:
                continue
            if kind == "created":
                summary.contacts_created += 1
            elif kind == "resubscribed":
                summary.contacts_resubscribed += 1
            else:
                summary.contacts_updated += 1
        if plan.unsubscribe:
            summary.contacts_unsubscribed += self._client.update_recipients_by_ids(
                list_id, plan.unsubscribe, {"is_unsubscribed": True}
            )
        with self._state.transaction():
            for record in plan.records:
                contact_id = contact_ids.get(record.subscription_id, record.contact_id)
                self._state.save_subscription(
                    SubscriptionRecord(
                        record.subscription_id,
                        record.newsletter_id,
                        contact_id,
                        record.email,
                        record.status,
                        record.fields,
                    )
                )
