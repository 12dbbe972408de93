"""The sync's ledger in SQLite: newsletter → list, subscription → contact, processed events,
dead letters and the API tokens.

One connection per `State`, used from one thread. Every write outside `transaction()` commits on
its own; inside, everything commits together with the outermost block or not at all. The file
holds the refresh token: it is created readable by its owner only.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sync.client import Tokens

SCHEMA_VERSION = 1
STATUSES = ("active", "cancelled")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS newsletters (
    newsletter_id TEXT PRIMARY KEY, name TEXT NOT NULL, list_id TEXT);
CREATE TABLE IF NOT EXISTS list_creations (newsletter_id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS list_attributes (
    list_id TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (list_id, name));
CREATE TABLE IF NOT EXISTS subscriptions (
    subscription_id TEXT PRIMARY KEY, newsletter_id TEXT NOT NULL, contact_id TEXT,
    email TEXT NOT NULL, status TEXT NOT NULL, fields TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS subscriptions_by_newsletter ON subscriptions (newsletter_id);
CREATE TABLE IF NOT EXISTS processed_events (event_id TEXT PRIMARY KEY, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT, line INTEGER, reason TEXT NOT NULL,
    payload TEXT, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    id INTEGER PRIMARY KEY CHECK (id = 1), access_token TEXT NOT NULL,
    refresh_token TEXT NOT NULL, expires_at REAL NOT NULL, account_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS owner (id INTEGER PRIMARY KEY CHECK (id = 1), account TEXT NOT NULL);
"""


class StateError(Exception):
    """The state file cannot be used (written by a newer version, or not a state file)."""


@dataclass(frozen=True)
class SubscriptionRecord:
    """A subscription as last sent; `fields`: first_name/last_name/gender/attributes."""

    subscription_id: str
    newsletter_id: str
    contact_id: str | None
    email: str
    status: str  # "active" | "cancelled"
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class DeadLetter:
    """Input the sync could not apply; `at` is when it was recorded (UTC, ISO-8601)."""

    event_id: str | None
    line: int | None
    reason: str
    payload: str | None
    at: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({key: _frozen(item) for key, item in value.items()})
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"cannot store a {type(value).__name__} in a subscription's fields")


class State:
    """The ledger; also the client's `TokenStore`."""

    def __init__(self, path: str | Path) -> None:
        self._path = str(path)
        if self._path != ":memory:" and not Path(self._path).exists():
            os.close(os.open(self._path, os.O_CREAT | os.O_WRONLY, 0o600))
        self._db = sqlite3.connect(self._path, isolation_level=None, timeout=30.0)
        self._depth = 0
        self._unsaved_tokens: Tokens | None = None
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            with self.transaction():
                self._create_schema()
        except sqlite3.DatabaseError as error:
            self._db.close()
            raise StateError(f"{self._path} is not a usable state file ({error})") from None
        except StateError:
            self._db.close()
            raise

    def _create_schema(self) -> None:
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                self._db.execute(statement)
        row = self._db.execute("SELECT max(version) FROM schema_version").fetchone()
        if row[0] is None:
            self._db.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
        elif row[0] > SCHEMA_VERSION:
            raise StateError(
                f"{self._path} has schema version {row[0]}; this sync knows up to {SCHEMA_VERSION}"
            )

    def __repr__(self) -> str:
        return f"State({self._path!r})"

    def close(self) -> None:
        """Close the connection; an open transaction is rolled back. Calling it twice is fine."""
        self._db.close()

    def __enter__(self) -> State:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together; an inner block is a savepoint of the outer one.

        An exception leaving a block undoes that block's writes (leaving the outermost: all).
        Tokens saved inside survive a rollback: a rotated refresh token must never be lost.
        """
        savepoint = f"sp{self._depth}"
        self._db.execute("BEGIN IMMEDIATE" if self._depth == 0 else f"SAVEPOINT {savepoint}")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self._db.execute("ROLLBACK")
            else:
                self._db.execute(f"ROLLBACK TO {savepoint}")
                self._db.execute(f"RELEASE {savepoint}")
            self._restore_tokens()
            raise
        self._depth -= 1
        if self._depth > 0:
            self._db.execute(f"RELEASE {savepoint}")
            return
        try:
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            self._restore_tokens()
            raise
        self._unsaved_tokens = None

    def _restore_tokens(self) -> None:
        if self._unsaved_tokens is not None:
            self._write_tokens(self._unsaved_tokens)
            if self._depth == 0:
                self._unsaved_tokens = None

    def _read(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        return self._db.execute(sql, args).fetchall()

    def _write(self, sql: str, *args: Any) -> None:
        with self.transaction():
            self._db.execute(sql, args)

    # newsletters → lists

    def list_id(self, newsletter_id: str) -> str | None:
        rows = self._read("SELECT list_id FROM newsletters WHERE newsletter_id = ?", newsletter_id)
        return rows[0][0] if rows else None

    def newsletter_name(self, newsletter_id: str) -> str | None:
        rows = self._read("SELECT name FROM newsletters WHERE newsletter_id = ?", newsletter_id)
        return rows[0][0] if rows else None

    def newsletters(self) -> dict[str, tuple[str | None, str]]:
        """newsletter_id → (list_id or None, name)."""
        rows = self._read("SELECT newsletter_id, list_id, name FROM newsletters ORDER BY 1")
        return {newsletter_id: (list_id, name) for newsletter_id, list_id, name in rows}

    def remember_newsletter(self, newsletter_id: str, name: str, list_id: str | None) -> None:
        """Store name and list id as given; a list id also ends a pending create."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO newsletters (newsletter_id, name, list_id) VALUES (?, ?, ?)"
                " ON CONFLICT (newsletter_id) DO UPDATE SET name = excluded.name,"
                " list_id = excluded.list_id",
                (newsletter_id, name, list_id),
            )
            if list_id is not None:
                self._db.execute(
                    "DELETE FROM list_creations WHERE newsletter_id = ?", (newsletter_id,)
                )

    def forget_list(self, newsletter_id: str) -> None:
        """The list is gone remotely: no list id, no contact ids, no known attributes."""
        with self.transaction():
            list_id = self.list_id(newsletter_id)
            self._db.execute("DELETE FROM list_attributes WHERE list_id = ?", (list_id,))
            self._db.execute(
                "UPDATE newsletters SET list_id = NULL WHERE newsletter_id = ?", (newsletter_id,)
            )
            self._db.execute(
                "UPDATE subscriptions SET contact_id = NULL WHERE newsletter_id = ?",
                (newsletter_id,),
            )

    def mark_list_creating(self, newsletter_id: str, name: str) -> None:
        """Crash safety: a create of the newsletter's list may be in flight."""
        self._write(
            "INSERT OR REPLACE INTO list_creations (newsletter_id, name) VALUES (?, ?)",
            newsletter_id,
            name,
        )

    def list_creating(self, newsletter_id: str) -> str | None:
        """The name of a list create that was started and not finished, if any."""
        rows = self._read("SELECT name FROM list_creations WHERE newsletter_id = ?", newsletter_id)
        return rows[0][0] if rows else None

    def mapped_list_ids(self) -> set[str]:
        return {
            row[0]
            for row in self._read("SELECT list_id FROM newsletters WHERE list_id IS NOT NULL")
        }

    def known_attributes(self, list_id: str) -> set[str]:
        return {
            row[0]
            for row in self._read("SELECT name FROM list_attributes WHERE list_id = ?", list_id)
        }

    def remember_attributes(self, list_id: str, names: Iterable[str]) -> None:
        with self.transaction():
            self._db.executemany(
                "INSERT OR IGNORE INTO list_attributes (list_id, name) VALUES (?, ?)",
                [(list_id, name) for name in names],
            )

    # subscriptions

    def _record(self, row: tuple[Any, ...]) -> SubscriptionRecord:
        subscription_id, newsletter_id, contact_id, email, status, fields = row
        return SubscriptionRecord(
            subscription_id, newsletter_id, contact_id, email, status, _frozen(json.loads(fields))
        )

    _COLUMNS = "subscription_id, newsletter_id, contact_id, email, status, fields"

    def subscription(self, subscription_id: str) -> SubscriptionRecord | None:
        rows = self._read(
            f"SELECT {self._COLUMNS} FROM subscriptions WHERE subscription_id = ?",  # noqa: S608
            subscription_id,
        )
        return self._record(rows[0]) if rows else None

    def save_subscription(self, record: SubscriptionRecord) -> None:
        """Insert or replace the record; its fields must be JSON (mappings of scalars)."""
        if record.status not in STATUSES:
            raise ValueError(f"status must be 'active' or 'cancelled', not {record.status!r}")
        fields = json.dumps(record.fields, default=_plain, sort_keys=True)
        self._write(
            f"INSERT OR REPLACE INTO subscriptions ({self._COLUMNS})"  # noqa: S608
            " VALUES (?, ?, ?, ?, ?, ?)",
            record.subscription_id,
            record.newsletter_id,
            record.contact_id,
            record.email,
            record.status,
            fields,
        )

    def subscriptions_of(self, newsletter_id: str) -> list[SubscriptionRecord]:
        """The newsletter's subscriptions, ordered by subscription_id."""
        rows = self._read(
            f"SELECT {self._COLUMNS} FROM subscriptions"  # noqa: S608
            " WHERE newsletter_id = ? ORDER BY subscription_id",
            newsletter_id,
        )
        return [self._record(row) for row in rows]

    # event ledger

    def is_processed(self, event_id: str) -> bool:
        return bool(self._read("SELECT 1 FROM processed_events WHERE event_id = ?", event_id))

    def mark_processed(self, event_id: str) -> None:
        """Idempotent: marking an event twice keeps the first time."""
        self._write(
            "INSERT OR IGNORE INTO processed_events (event_id, at) VALUES (?, ?)", event_id, _now()
        )

    # dead letters

    def add_dead_letter(
        self,
        reason: str,
        *,
        event_id: str | None = None,
        line: int | None = None,
        payload: str | None = None,
    ) -> None:
        self._write(
            "INSERT INTO dead_letters (event_id, line, reason, payload, at) VALUES (?, ?, ?, ?, ?)",
            event_id,
            line,
            reason,
            payload,
            _now(),
        )

    def dead_letters(self) -> list[DeadLetter]:
        """All dead letters, oldest first."""
        rows = self._read(
            "SELECT event_id, line, reason, payload, at FROM dead_letters ORDER BY id"
        )
        return [DeadLetter(*row) for row in rows]

    # tokens (the client's TokenStore)

    def check_account(self, fingerprint: str) -> None:
        """A state file belongs to one account: its ids, ledger and tokens mean nothing else."""
        rows = self._read("SELECT account FROM owner")
        if rows and rows[0][0] != fingerprint:
            raise StateError(
                f"{self._path} belongs to another Newsletter2Go account or base URL:"
                " use another --state file for this one"
            )

    def bind_account(self, fingerprint: str) -> None:
        """Record the account, once it has logged in (so wrong credentials bind nothing)."""
        self.check_account(fingerprint)
        self._write("INSERT OR IGNORE INTO owner (id, account) VALUES (1, ?)", fingerprint)

    def load_tokens(self) -> Tokens | None:
        from sync.client import Tokens

        rows = self._read(
            "SELECT access_token, refresh_token, expires_at, account_id FROM tokens WHERE id = 1"
        )
        return Tokens(*rows[0]) if rows else None

    def save_tokens(self, tokens: Tokens) -> None:
        """Replace the stored tokens; inside a transaction they outlive its rollback."""
        if self._depth > 0:
            self._unsaved_tokens = tokens
        self._write_tokens(tokens)

    def _write_tokens(self, tokens: Tokens) -> None:
        self._write(
            "INSERT OR REPLACE INTO tokens"
            " (id, access_token, refresh_token, expires_at, account_id) VALUES (1, ?, ?, ?, ?)",
            tokens.access_token,
            tokens.refresh_token,
            float(tokens.expires_at),
            tokens.account_id,
        )
