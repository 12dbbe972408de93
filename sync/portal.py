"""The portal side: events (JSON lines) and snapshots (one JSON document), validated.

Decisions beyond the format:
- Ids are non-empty strings; a JSON integer is accepted and becomes its decimal string
  (``12`` → ``"12"``); floats and booleans are refused.
- ``email`` is stripped, then checked (at most 64 characters, syntax by email-validator) and kept
  as written otherwise (no case folding).
- ``null`` for ``first_name``, ``last_name`` or ``gender`` means "not given" in a creation and in a
  snapshot; in ``subscription.updated`` it is kept in ``changes`` as ``None``: "cleared".
- Attribute names are ``[0-9a-zA-Z_]+``, at most 64 characters, and may not be one of the
  contact's own fields (``email``, ``is_unsubscribed``, ...): the contact would be overwritten.
- ``at`` is kept as written once ``datetime.fromisoformat`` accepts it (a trailing ``Z`` too).
- Every event_id read, from a valid line or not, counts as seen: a later line repeating it is an
  error. Snapshot paths index from 0: ``subscriptions[3]`` is the fourth entry.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

from sync.portal_fields import (
    PROFILE,
    Check,
    Invalid,
    checked,
    identifier,
    json_object,
    loads,
    name,
    status,
    timestamp,
)


def _frozen() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True)
class NewsletterCreated:
    event_id: str
    at: str
    newsletter_id: str
    name: str


@dataclass(frozen=True)
class NewsletterRenamed:
    event_id: str
    at: str
    newsletter_id: str
    name: str


@dataclass(frozen=True)
class SubscriptionCreated:
    event_id: str
    at: str
    subscription_id: str
    newsletter_id: str
    email: str
    first_name: str | None = None
    last_name: str | None = None
    gender: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=_frozen)


@dataclass(frozen=True)
class SubscriptionUpdated:
    """`changes` holds only the fields the event gave; a `None` name or gender is cleared."""

    event_id: str
    at: str
    subscription_id: str
    changes: Mapping[str, Any]


@dataclass(frozen=True)
class SubscriptionCancelled:
    event_id: str
    at: str
    subscription_id: str


Event = (
    NewsletterCreated
    | NewsletterRenamed
    | SubscriptionCreated
    | SubscriptionUpdated
    | SubscriptionCancelled
)


@dataclass(frozen=True)
class InputError:
    """Why a line (events) or a field path (snapshot) was not accepted; `raw` is its text."""

    line: int | None
    field: str | None
    message: str
    raw: str | None

    def __str__(self) -> str:
        where = [f"line {self.line}"] if self.line is not None else []
        if self.field is not None:
            where.append(f"field '{self.field}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass(frozen=True)
class SnapshotNewsletter:
    newsletter_id: str
    name: str


@dataclass(frozen=True)
class SnapshotSubscription:
    subscription_id: str
    newsletter_id: str
    email: str
    status: str
    first_name: str | None = None
    last_name: str | None = None
    gender: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=_frozen)


@dataclass(frozen=True)
class Snapshot:
    newsletters: tuple[SnapshotNewsletter, ...]
    subscriptions: tuple[SnapshotSubscription, ...]


_HEAD: dict[str, Check] = {"event_id": identifier, "event": lambda _, value: value, "at": timestamp}
_NEWSLETTER: dict[str, Check] = {"newsletter_id": identifier, "name": name}
_SUBSCRIPTION: dict[str, Check] = {"subscription_id": identifier}
# event type → (class, required fields, optional fields)
_EVENTS: dict[str, tuple[type, dict[str, Check], dict[str, Check]]] = {
    "newsletter.created": (NewsletterCreated, _NEWSLETTER, {}),
    "newsletter.renamed": (NewsletterRenamed, _NEWSLETTER, {}),
    "subscription.created": (
        SubscriptionCreated,
        {**_SUBSCRIPTION, "newsletter_id": identifier, "email": PROFILE["email"]},
        {key: check for key, check in PROFILE.items() if key != "email"},
    ),
    "subscription.updated": (SubscriptionUpdated, _SUBSCRIPTION, PROFILE),
    "subscription.cancelled": (SubscriptionCancelled, _SUBSCRIPTION, {}),
}
_SNAPSHOT_NEWSLETTER = _NEWSLETTER
_SNAPSHOT_SUBSCRIPTION: dict[str, Check] = {
    **_SUBSCRIPTION,
    "newsletter_id": identifier,
    "email": PROFILE["email"],
    "status": status,
}
_SNAPSHOT_OPTIONAL = {key: check for key, check in PROFILE.items() if key != "email"}


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _event(data: Any) -> Event:
    data = json_object(data, None)
    kind = data.get("event")
    if not isinstance(kind, str) or kind not in _EVENTS:
        if "event" not in data:
            raise Invalid("event", "missing")
        known = ", ".join(_EVENTS)
        raise Invalid("event", f"unknown event type {json.dumps(kind)} (known: {known})")
    cls, required, optional = _EVENTS[kind]
    if cls is SubscriptionUpdated and "newsletter_id" in data:
        raise Invalid(
            "newsletter_id",
            "a subscription cannot move to another newsletter: send subscription.cancelled"
            " and a new subscription.created",
        )
    values = checked(data, {**_HEAD, **required}, optional)
    del values["event"]
    if cls is SubscriptionUpdated:
        head = {key: values.pop(key) for key in ("event_id", "at", "subscription_id")}
        if not values:
            raise Invalid(
                None, "changes no field (give at least one of: " + ", ".join(PROFILE) + ")"
            )
        return SubscriptionUpdated(**head, changes=MappingProxyType(values))
    return cls(**_without_none(values))


def _line(text: str, number: int, first_seen: dict[str, int]) -> Event:
    """One line's event; its event_id counts as seen even if the rest of the line is bad."""
    try:
        data = loads(text)
    except ValueError as error:
        raise Invalid(None, f"not valid JSON ({error})") from None
    if isinstance(data, dict) and "event_id" in data:
        event_id = identifier("event_id", data["event_id"])
        if event_id in first_seen:
            raise Invalid("event_id", f"repeats the event_id of line {first_seen[event_id]}")
        first_seen[event_id] = number
    return _event(data)


def read_events(lines: Iterable[str]) -> tuple[list[Event], list[InputError]]:
    """Valid events in input order and one error per bad line; blank lines are skipped."""
    events: list[Event] = []
    errors: list[InputError] = []
    first_seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        raw = line.rstrip("\r\n")
        text = raw.lstrip("\ufeff") if number == 1 else raw
        if not text.strip():
            continue
        try:
            events.append(_line(text, number, first_seen))
        except Invalid as error:
            errors.append(InputError(number, error.field, error.message, raw))
    return events, errors


def _entries(document: dict[str, Any], key: str, errors: list[InputError]) -> list[Any]:
    entries = document.get(key)
    if entries is None:
        errors.append(InputError(None, key, "missing", None))
        return []
    if not isinstance(entries, list):
        errors.append(InputError(None, key, "must be a JSON array", None))
        return []
    return entries


def _entry_error(path: str, error: Invalid, entry: Any) -> InputError:
    return InputError(None, error.field or path, error.message, json.dumps(entry, default=str))


def _newsletters(
    entries: list[Any], errors: list[InputError]
) -> tuple[dict[str, SnapshotNewsletter], set[str]]:
    """The valid newsletters by id, and the ids of the refused ones (where readable)."""
    valid: dict[str, SnapshotNewsletter] = {}
    refused: set[str] = set()
    for index, entry in enumerate(entries):
        path = f"newsletters[{index}]"
        try:
            values = checked(entry, _SNAPSHOT_NEWSLETTER, {}, path + ".")
            if values["newsletter_id"] in valid:
                raise Invalid(path + ".newsletter_id", "repeats an earlier newsletter_id")
            valid[values["newsletter_id"]] = SnapshotNewsletter(**values)
        except Invalid as error:
            errors.append(_entry_error(path, error, entry))
            if isinstance(entry, dict) and isinstance(entry.get("newsletter_id"), str | int):
                refused.add(str(entry["newsletter_id"]))
    return valid, refused


def _subscriptions(
    entries: list[Any],
    newsletters: tuple[dict[str, SnapshotNewsletter], set[str]],
    errors: list[InputError],
) -> dict[str, SnapshotSubscription]:
    valid: dict[str, SnapshotSubscription] = {}
    known, refused = newsletters
    for index, entry in enumerate(entries):
        path = f"subscriptions[{index}]"
        try:
            values = checked(entry, _SNAPSHOT_SUBSCRIPTION, _SNAPSHOT_OPTIONAL, path + ".")
            newsletter_id = values["newsletter_id"]
            if newsletter_id not in known:
                why = "is refused (see its error)" if newsletter_id in refused else "is unknown"
                raise Invalid(path + ".newsletter_id", f"newsletter {newsletter_id!r} {why}")
            if values["subscription_id"] in valid:
                raise Invalid(path + ".subscription_id", "repeats an earlier subscription_id")
            valid[values["subscription_id"]] = SnapshotSubscription(**_without_none(values))
        except Invalid as error:
            errors.append(_entry_error(path, error, entry))
    return valid


def read_snapshot(text: str) -> tuple[Snapshot, list[InputError]]:
    """The valid newsletters and subscriptions of a snapshot, and one error per bad entry."""
    try:
        document = json_object(loads(text.lstrip("\ufeff")), None)
    except json.JSONDecodeError as error:
        return Snapshot((), ()), [InputError(error.lineno, None, f"not valid JSON ({error})", None)]
    except ValueError as error:
        return Snapshot((), ()), [InputError(None, None, f"not valid JSON ({error})", None)]
    except Invalid as error:
        return Snapshot((), ()), [InputError(None, error.field, error.message, None)]
    errors = [
        InputError(None, key, "unknown field", None)
        for key in document
        if key not in ("newsletters", "subscriptions")
    ]
    newsletters = _newsletters(_entries(document, "newsletters", errors), errors)
    subscriptions = _subscriptions(_entries(document, "subscriptions", errors), newsletters, errors)
    return Snapshot(tuple(newsletters[0].values()), tuple(subscriptions.values())), errors


_EVENT_NAMES = {cls: kind for kind, (cls, _, _) in _EVENTS.items()}


def event_to_dict(event: Event) -> dict[str, Any]:
    """The event in the portal's line format (plain dicts): `read_events` reads it back equal."""
    values: dict[str, Any] = {"event": _EVENT_NAMES[type(event)]}
    for item in fields(event):
        value = getattr(event, item.name)
        if isinstance(value, Mapping):
            value = {key: dict(v) if isinstance(v, Mapping) else v for key, v in value.items()}
        if item.name == "changes":
            values.update(value)
        elif value is not None and value != {}:
            values[item.name] = value
    return values
