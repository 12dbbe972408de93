"""Durable state: every request that changes state is logged to SQLite and replayed on start.

The mock's state is a pure function of its starting accounts, its random seed and the
state-changing requests in the order they ran, each seen at one instant of the mock's clock.
So instead of mapping every resource to tables, the data file keeps exactly that: the
accounts and seed it started with, and a command log written (and synced to disk) before a
request's answer leaves the server. On start the log is replayed through the app. While a
command runs it holds the store's lock and the clock stands still, so replay sees what the
live request saw. The file holds everything the mock knows, credentials included: treat it
like a database.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import Flask, Response, g, request

from mock_n2g.backend import AccountSpec, Backend
from mock_n2g.replay import REPLAY_FLAG

log = logging.getLogger("mock_n2g.persistence")

FORMAT = "1"
# GET endpoints that change state: following an opt-in link subscribes the contact
STATE_CHANGING_GETS = frozenset({"forms.confirm_opt_in"})
# blueprints whose calls are not state: test instruments (faults, journal) and the health check
NOT_STATE = frozenset({"health", "faults", "journal"})
LOGGED_HEADERS = ("Authorization", "Content-Type")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS commands (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    base_url TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query BLOB NOT NULL,
    headers TEXT NOT NULL,
    body BLOB NOT NULL
);
"""


@dataclass(frozen=True)
class Command:
    at: float
    base_url: str
    method: str
    path: str
    query: bytes
    headers: dict[str, str]
    body: bytes


class CommandLog:
    """The SQLite file: starting point (meta) and the commands since."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a logged command survives kill -9
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()

    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def append(self, command: Command) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO commands (at, base_url, method, path, query, headers, body)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    command.at,
                    command.base_url,
                    command.method,
                    command.path,
                    command.query,
                    json.dumps(command.headers),
                    command.body,
                ),
            )

    def commands(self) -> Iterator[Command]:
        cursor = self._db.execute(
            "SELECT at, base_url, method, path, query, headers, body FROM commands ORDER BY seq"
        )
        for at, base_url, method, path, query, headers, body in cursor:
            yield Command(at, base_url, method, path, bytes(query), json.loads(headers), body)

    def close(self) -> None:
        self._db.close()


@dataclass(frozen=True)
class StartingPoint:
    """What a data file's history starts from: accounts, seed, and the instant they were made."""

    accounts: list[AccountSpec]
    seed: int
    at: float


def starting_point(
    command_log: CommandLog, accounts: list[AccountSpec], seed: int | None, now: float
) -> StartingPoint:
    """The starting point a data file recorded; a new file records the given one."""
    stored_format = command_log.meta("format")
    if stored_format is None:
        start = StartingPoint(
            accounts, seed if seed is not None else int.from_bytes(os.urandom(8), "big"), now
        )
        command_log.set_meta("format", FORMAT)
        command_log.set_meta("seed", str(start.seed))
        command_log.set_meta("started_at", repr(start.at))
        command_log.set_meta("accounts", json.dumps([asdict(spec) for spec in accounts]))
        return start
    if stored_format != FORMAT:
        raise ValueError(f"{command_log.path} has data format {stored_format}, not {FORMAT}")
    stored = [AccountSpec(**spec) for spec in json.loads(command_log.meta("accounts") or "[]")]
    if stored != accounts:
        log.warning(
            "%s keeps the accounts it started with; the configured ones are ignored",
            command_log.path,
        )
    return StartingPoint(
        stored, int(command_log.meta("seed") or 0), float(command_log.meta("started_at") or now)
    )


def _is_command() -> bool:
    if request.blueprint in NOT_STATE or request.endpoint is None:
        return False
    return request.method not in ("GET", "HEAD", "OPTIONS") or (
        request.endpoint in STATE_CHANGING_GETS
    )


def install(app: Flask, backend: Backend, command_log: CommandLog) -> None:
    """Serialise state-changing requests, freeze the clock for each, and log them."""

    @app.before_request
    def begin_command() -> None:
        if not _is_command():
            return
        stack = ExitStack()
        stack.enter_context(backend.store.lock)
        g.n2g_command_at = backend.clock.now()
        stack.enter_context(backend.clock.pinned(g.n2g_command_at))
        g.n2g_command = stack

    @app.after_request
    def log_command(response: Response) -> Response:
        if "n2g_command" in g and not request.environ.get(REPLAY_FLAG):
            headers = {k: v for k in LOGGED_HEADERS if (v := request.headers.get(k)) is not None}
            command_log.append(
                Command(
                    at=g.n2g_command_at,
                    base_url=request.host_url,
                    method=request.method,
                    path=request.path,
                    query=request.query_string,
                    headers=headers,
                    body=request.get_data(cache=True),
                )
            )
        return response

    @app.teardown_request
    def end_command(error: BaseException | None) -> None:
        stack = g.pop("n2g_command", None)
        if stack is not None:
            stack.close()


def replay(app: Flask, backend: Backend, command_log: CommandLog) -> int:
    """Run every logged command again, each at its own instant; returns how many."""
    client = app.test_client()
    count = 0
    for command in command_log.commands():
        with backend.clock.pinned(command.at):
            client.open(
                command.path,
                method=command.method,
                base_url=command.base_url,
                query_string=command.query,
                headers=command.headers,
                data=command.body,
                environ_overrides={REPLAY_FLAG: True},
            )
        count += 1
    return count
