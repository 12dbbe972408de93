"""The portal side of a journey: newsletters and subscriptions, written as portal events."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Subscription:
    subscription_id: str
    newsletter: str  # the name as the scenario says it
    email: str
    fields: dict[str, Any] = field(default_factory=dict)
    status: str = "active"


class Portal:
    """Records what the scenario does in the portal; the sync reads it as event lines."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self._ids = itertools.count(1)
        self.newsletter_ids: dict[str, str] = {}  # scenario name → portal newsletter id
        self.names: dict[str, str] = {}  # portal newsletter id → current full name
        self.subscriptions: dict[tuple[str, str], Subscription] = {}  # (email, newsletter)
        self.history: list[str] = []
        self.pending: list[str] = []

    def full_name(self, name: str) -> str:
        """The name the list gets: run-unique, so journeys never touch anything else."""
        return f"{self.tag} {name}"

    def _emit(self, kind: str, **fields: Any) -> None:
        number = next(self._ids)
        line = json.dumps(
            {
                "event_id": f"{self.tag}-e{number}",
                "event": kind,
                "at": "2026-12-01T10:00:00Z",
                **fields,
            }
        )
        self.pending.append(line)
        self.history.append(line)

    def create_newsletter(self, name: str) -> None:
        newsletter_id = f"{self.tag}-n{len(self.newsletter_ids) + 1}"
        self.newsletter_ids[name] = newsletter_id
        self.names[newsletter_id] = self.full_name(name)
        self._emit("newsletter.created", newsletter_id=newsletter_id, name=self.full_name(name))

    def rename_newsletter(self, old: str, new: str) -> None:
        newsletter_id = self.newsletter_ids.pop(old)
        self.newsletter_ids[new] = newsletter_id
        self.names[newsletter_id] = self.full_name(new)
        self._emit("newsletter.renamed", newsletter_id=newsletter_id, name=self.full_name(new))

    def subscribe(self, email: str, newsletter: str, **fields: Any) -> None:
        given = {name: value for name, value in fields.items() if value is not None}
        key = (email.lower(), newsletter)
        known = self.subscriptions.get(key)
        subscription_id = known.subscription_id if known else f"{self.tag}-s{next(self._ids)}"
        self.subscriptions[key] = Subscription(subscription_id, newsletter, email, given)
        self._emit(
            "subscription.created",
            subscription_id=subscription_id,
            newsletter_id=self.newsletter_ids[newsletter],
            email=email,
            **given,
        )

    def change(self, who: str, newsletter: str, **changes: Any) -> None:
        subscription = self.subscriptions.pop((who.lower(), newsletter))
        if "email" in changes:
            subscription.email = changes["email"]
        subscription.fields.update({k: v for k, v in changes.items() if k != "email"})
        self.subscriptions[(subscription.email.lower(), newsletter)] = subscription
        self._emit("subscription.updated", subscription_id=subscription.subscription_id, **changes)

    def cancel(self, email: str, newsletter: str) -> None:
        subscription = self.subscriptions[(email.lower(), newsletter)]
        subscription.status = "cancelled"
        self._emit("subscription.cancelled", subscription_id=subscription.subscription_id)

    def take_pending(self) -> list[str]:
        pending, self.pending = self.pending, []
        return pending

    def snapshot(self) -> str:
        """The portal as a whole, as `n2g-sync reconcile` reads it."""
        newsletters = [
            {"newsletter_id": newsletter_id, "name": name}
            for newsletter_id, name in self.names.items()
        ]
        subscriptions = [
            {
                "subscription_id": s.subscription_id,
                "newsletter_id": self.newsletter_ids[s.newsletter],
                "email": s.email,
                "status": s.status,
                **s.fields,
            }
            for s in self.subscriptions.values()
        ]
        return json.dumps({"newsletters": newsletters, "subscriptions": subscriptions})
