"""The reliability campaign's tools: its size, the portal's events, and the account's end state.

`N2G_CAMPAIGN_SCALE` (default 1) multiplies every size: 1 is the CI size (2,000 events, 8
threads of 500 writes), `N2G_CAMPAIGN_SCALE=10` the large run. `N2G_CAMPAIGN_SEED` (default
3) picks another, equally reproducible, campaign.

The events come with an independent model of what they must leave in the account
(`Portal.expected`), so a fault-free run is checked too, not only taken as the reference.
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from mock_n2g.testing import Credentials

TIMEOUT = 30
PASSWORD_GRANT = "https://nl2go.com/jwt"
AT = "2026-12-01T10:00:00+00:00"
FIRST_NAMES = ("Anna", "Ben", "Chloé", "Dário", "Eva", "Finn", "Greta", "Hugo", "Ida", "Jonas")
LAST_NAMES = ("Meyer", "Schulz", "Öztürk", "Nowak", "Rossi", "Dubois", "Larsen", "Silva")


def scale() -> float:
    """The campaign's size factor from `N2G_CAMPAIGN_SCALE` (a positive number, default 1)."""
    raw = os.environ.get("N2G_CAMPAIGN_SCALE", "").strip() or "1"
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"N2G_CAMPAIGN_SCALE must be a positive number, got {raw!r}") from None
    if not value > 0:
        raise ValueError(f"N2G_CAMPAIGN_SCALE must be a positive number, got {raw!r}")
    return value


def scaled(size: int, minimum: int = 1) -> int:
    return max(minimum, round(size * scale()))


def seed() -> int:
    return int(os.environ.get("N2G_CAMPAIGN_SEED", "").strip() or "3")


# the portal: events and the model of their end state


@dataclass
class Subscription:
    subscription_id: str
    newsletter_id: str
    email: str
    fields: dict[str, str] = field(default_factory=dict)  # first_name, last_name, gender
    cancelled: bool = False


@dataclass
class Portal:
    """A portal generating `count` events at random (seeded), and what they must lead to."""

    seed: int
    count: int
    events: list[dict[str, Any]] = field(default_factory=list)
    newsletters: dict[str, str] = field(default_factory=dict)  # id → current name
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    kinds: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._used: set[tuple[str, str]] = set()  # (newsletter, lower-case e-mail), ever used
        self._active: list[str] = []  # subscription ids
        self._cancelled: list[str] = []
        self._numbers = iter(range(1, 10**9))
        self._people = max(50, self.count // 4)  # people who subscribe to several newsletters
        self._generate()

    # generation

    def _emit(self, kind: str, **fields: Any) -> None:
        self.events.append(
            {"event_id": f"c{len(self.events) + 1}", "event": kind, "at": AT, **fields}
        )
        self.kinds[kind] += 1

    def _newsletter(self) -> None:
        number = len(self.newsletters) + 1
        newsletter_id = f"nl{number}"
        name = f"Campaign {self.seed} news {number}"
        self.newsletters[newsletter_id] = name
        self._emit("newsletter.created", newsletter_id=newsletter_id, name=name)

    def _address(self, newsletter_id: str) -> str:
        """An address never used in this newsletter: a person's, a variant, in mixed case."""
        while True:
            person = self._random.randrange(self._people)
            variant = self._random.choice(("", "", "", f".v{next(self._numbers)}"))
            local = f"person{person}{variant}"
            if self._random.random() < 0.1:
                local = local.capitalize()
            domain = "Example.org" if self._random.random() < 0.1 else "example.org"
            email = f"{local}@{domain}"
            if (newsletter_id, email.lower()) not in self._used:
                self._used.add((newsletter_id, email.lower()))
                return email

    def _names(self, *, partial: bool) -> dict[str, str]:
        """Some name fields, each given or not."""
        values = {
            "first_name": self._random.choice(FIRST_NAMES),
            "last_name": self._random.choice(LAST_NAMES),
            "gender": self._random.choice(("m", "f")),
        }
        given = 0.5 if partial else 0.7
        return {name: value for name, value in values.items() if self._random.random() < given}

    def _create(self) -> None:
        newsletter_id = self._random.choice(sorted(self.newsletters))
        subscription_id = f"sub{len(self.subscriptions) + 1}"
        email = self._address(newsletter_id)
        names = self._names(partial=False)
        self.subscriptions[subscription_id] = Subscription(
            subscription_id, newsletter_id, email, dict(names)
        )
        self._active.append(subscription_id)
        self._emit(
            "subscription.created",
            subscription_id=subscription_id,
            newsletter_id=newsletter_id,
            email=email,
            **names,
        )

    def _pick(self, *, cancelled: bool) -> Subscription | None:
        """An active (or a cancelled) subscription at random; it changes sides when the caller
        cancels or re-subscribes it, which `_moved` records."""
        pool = self._cancelled if cancelled else self._active
        return self.subscriptions[self._random.choice(pool)] if pool else None

    def _moved(self, sub: Subscription) -> None:
        """Keep the pools of active and cancelled subscriptions in step with `sub.cancelled`."""
        source, target = (
            (self._active, self._cancelled) if sub.cancelled else (self._cancelled, self._active)
        )
        index = source.index(sub.subscription_id)
        source[index] = source[-1]
        source.pop()
        target.append(sub.subscription_id)

    def _update(self) -> None:
        sub = self._pick(cancelled=False)
        if sub is None:
            return self._create()
        changes: dict[str, Any] = dict(self._names(partial=True))
        for name in ("first_name", "last_name", "gender"):
            if name not in changes and self._random.random() < 0.15:
                changes[name] = None  # cleared in the portal
        if not changes:
            changes["first_name"] = self._random.choice(FIRST_NAMES)
        for name, value in changes.items():
            sub.fields[name] = "" if value is None else value  # the sync clears with ""
        self._emit("subscription.updated", subscription_id=sub.subscription_id, **changes)
        return None

    def _change_email(self) -> None:
        sub = self._pick(cancelled=False)
        if sub is None:
            return self._create()
        sub.email = self._address(sub.newsletter_id)
        self._emit("subscription.updated", subscription_id=sub.subscription_id, email=sub.email)
        return None

    def _cancel(self) -> None:
        sub = self._pick(cancelled=False)
        if sub is None:
            return self._create()
        sub.cancelled = True
        self._moved(sub)
        self._emit("subscription.cancelled", subscription_id=sub.subscription_id)
        return None

    def _resubscribe(self) -> None:
        sub = self._pick(cancelled=True)
        if sub is None:
            return self._cancel()
        if self._random.random() < 0.3:
            sub.email = self._address(sub.newsletter_id)
        names = self._names(partial=True)
        sub.fields.update(names)  # names not given stay on the contact
        sub.cancelled = False
        self._moved(sub)
        self._emit(
            "subscription.created",
            subscription_id=sub.subscription_id,
            newsletter_id=sub.newsletter_id,
            email=sub.email,
            **names,
        )
        return None

    def _rename(self) -> None:
        newsletter_id = self._random.choice(sorted(self.newsletters))
        name = f"Campaign {self.seed} news {newsletter_id[2:]} r{next(self._numbers)}"
        self.newsletters[newsletter_id] = name
        self._emit("newsletter.renamed", newsletter_id=newsletter_id, name=name)

    def _generate(self) -> None:
        newsletters = max(3, round(6 * (self.count / 2000) ** 0.5))
        for _ in range(newsletters - 2):
            self._newsletter()
        late = {self.count // 4, self.count // 2}  # two newsletters start mid-way
        actions = [
            (self._create, 44),
            (self._update, 16),
            (self._change_email, 12),
            (self._cancel, 14),
            (self._resubscribe, 12),
            (self._rename, 2),
        ]
        functions = [action for action, _ in actions]
        weights = [weight for _, weight in actions]
        while len(self.events) < self.count:
            if len(self.events) in late and len(self.newsletters) < newsletters:
                self._newsletter()
                continue
            self._random.choices(functions, weights)[0]()

    # output

    def lines(self) -> list[str]:
        return [json.dumps(event) for event in self.events]

    def write(self, path: Path) -> Path:
        path.write_text("\n".join(self.lines()) + "\n", encoding="utf-8")
        return path

    def expected(self) -> dict[str, list[tuple]]:
        """The end state (see `snapshot`) these events must leave, Default list included."""
        lists: dict[str, list[tuple]] = {name: [] for name in self.newsletters.values()}
        lists["Default"] = []
        for sub in self.subscriptions.values():
            lists[self.newsletters[sub.newsletter_id]].append(
                contact_row(
                    sub.email,
                    sub.fields.get("first_name"),
                    sub.fields.get("last_name"),
                    sub.fields.get("gender"),
                    sub.cancelled,
                )
            )
        return {name: sorted(rows) for name, rows in sorted(lists.items())}


def contact_row(email: str, first: Any, last: Any, gender: Any, unsubscribed: Any) -> tuple:
    return (email, first, last, gender, unsubscribed)


# the account, read through the public API only


class Reader:
    """Logs in as a client would and reads collections page by page."""

    def __init__(self, credentials: Credentials, page_size: int = 500) -> None:
        self.base_url = credentials.base_url
        self.page_size = page_size
        client_id, _, secret = credentials.auth_key.partition(":")
        response = requests.post(
            f"{self.base_url}/oauth/v2/token",
            auth=(client_id, secret),
            json={
                "username": credentials.username,
                "password": credentials.password,
                "grant_type": PASSWORD_GRANT,
            },
            timeout=TIMEOUT,
        )
        assert response.status_code == 200, f"login failed: {response.status_code}"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        response = self.session.get(self.base_url + path, params=params, timeout=TIMEOUT)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
        return response.json()

    def pages(self, path: str, **params: Any) -> Iterator[tuple[dict, dict]]:
        """(item, page body) for every item, page by page until a short page."""
        offset = 0
        while True:
            body = self.get(path, _limit=self.page_size, _offset=offset, **params)
            for item in body["value"]:
                yield item, body
            offset += len(body["value"])
            if len(body["value"]) < self.page_size:
                return


def snapshot(credentials: Credentials) -> dict[str, list[tuple]]:
    """list name → its contacts as sorted rows (email, first_name, last_name, gender,
    is_unsubscribed). A name that occurs twice gets `#2`, so duplicate lists show."""
    reader = Reader(credentials)
    lists: dict[str, list[tuple]] = {}
    for item, _ in reader.pages("/lists", _expand="true"):
        name = item["name"]
        key, number = name, 1
        while key in lists:
            number += 1
            key = f"{name} #{number}"
        rows = [
            contact_row(
                contact["email"],
                contact.get("first_name"),
                contact.get("last_name"),
                contact.get("gender"),
                contact.get("is_unsubscribed"),
            )
            for contact, _ in reader.pages(f"/lists/{item['id']}/recipients", _expand="true")
        ]
        lists[key] = sorted(rows)
    return dict(sorted(lists.items()))


def differences(expected: dict[str, list[tuple]], actual: dict[str, list[tuple]]) -> list[str]:
    """What differs, by kind: lost or extra lists, lost, duplicate, extra or wrong contacts."""
    problems = []
    for name in sorted(set(expected) - set(actual)):
        problems.append(f"lost list {name!r}")
    for name in sorted(set(actual) - set(expected)):
        problems.append(f"extra (duplicate?) list {name!r}")
    for name in sorted(set(expected) & set(actual)):
        want = {row[0].lower(): row for row in expected[name]}
        have: dict[str, list[tuple]] = {}
        for row in actual[name]:
            have.setdefault(row[0].lower(), []).append(row)
        for email in sorted(set(want) - set(have)):
            problems.append(f"{name!r}: lost contact {want[email]}")
        for email in sorted(set(have) - set(want)):
            problems.append(f"{name!r}: extra contact {have[email]}")
        for email in sorted(set(want) & set(have)):
            if len(have[email]) > 1:
                problems.append(f"{name!r}: duplicate contacts {have[email]}")
            elif have[email][0] != want[email]:
                problems.append(f"{name!r}: wrong contact {have[email][0]}, expected {want[email]}")
    return problems


def summary_of(state: dict[str, list[tuple]]) -> str:
    contacts = sum(len(rows) for rows in state.values())
    unsubscribed = sum(1 for rows in state.values() for row in rows if row[4])
    return f"{len(state)} lists, {contacts} contacts ({unsubscribed} unsubscribed)"


def shown(problems: list[str], limit: int = 25) -> str:
    more = f"\n... and {len(problems) - limit} more" if len(problems) > limit else ""
    return "\n".join(problems[:limit]) + more
