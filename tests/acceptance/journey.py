"""One scenario's world: the portal, the sync (with its own state), and the account seen
through the public Newsletter2Go API only — so the same steps hold on a real account."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sync.client import Client, Settings
from sync.engine import Engine
from sync.portal import read_events, read_snapshot
from sync.reconcile import Reconciler
from sync.report import Summary
from sync.state import State
from tests.acceptance.portal import Portal
from tests.acceptance.targets import Target, run_tag


class Journey:
    def __init__(self, target: Target, workdir: Path) -> None:
        self.target = target
        self.portal = Portal(run_tag())
        self.state = State(workdir / "sync.sqlite")
        self.client = self.client_for(target.credentials.auth_key, target.credentials.password)
        self.summary: Summary | None = None
        self.checks: list = []
        self.remembered: dict[str, str] = {}  # contact ids a scenario wants to compare later
        self.foreign_contacts: list[tuple[str, str]] = []  # (list id, contact id) to clean up
        self.progress_hook: Callable[[int], None] | None = None
        self.token_requests_before = 0

    def client_for(self, auth_key: str, password: str, username: str | None = None) -> Client:
        credentials = self.target.credentials
        fast = {"backoff_base": 0.05, "backoff_max": 1.0} if self.target.fast_retries else {}
        settings = Settings(
            auth_key=auth_key,
            username=username or credentials.username,
            password=password,
            base_url=credentials.base_url,
            **fast,
        )
        return Client(
            settings, token_store=self.state if auth_key == credentials.auth_key else None
        )

    # the sync

    def sync(
        self, *, batch_size: int = 500, progress: Callable[[int], None] | None = None
    ) -> Summary:
        events, errors = read_events(self.portal.take_pending())
        summary = Engine(self.client, self.state, batch_size=batch_size, progress=progress).push(
            events
        )
        for error in errors:
            summary.fail(f"line {error.line}", str(error))
        self.summary = summary
        return summary

    def sync_everything_again(self) -> Summary:
        events, _ = read_events(self.portal.history)
        self.summary = Engine(self.client, self.state).push(events)
        return self.summary

    def reconcile(self) -> Summary:
        snapshot, errors = read_snapshot(self.portal.snapshot())
        assert errors == [], errors
        self.summary = Reconciler(self.client, self.state).run(snapshot)
        return self.summary

    # the account, through the public API

    def lists_named(self, name: str) -> list[dict]:
        full = self.portal.full_name(name)
        return [item for item in self.client.lists() if item.get("name") == full]

    def list_id(self, name: str) -> str:
        found = self.lists_named(name)
        assert len(found) == 1, f"expected one address book {name!r}, found {len(found)}"
        return found[0]["id"]

    def contacts(self, name: str) -> dict[str, dict]:
        list_id = self.list_id(name)
        fields = ["email", "first_name", "last_name", "gender", "is_unsubscribed"]
        return {c["email"].lower(): c for c in self.client.iter_recipients(list_id, fields=fields)}

    def contact(self, email: str, name: str) -> dict:
        contacts = self.contacts(name)
        assert email.lower() in contacts, (
            f"{email} is not in {name!r}; it holds {sorted(contacts) or 'nobody'}"
        )
        return contacts[email.lower()]

    # clean-up

    def cleanup(self) -> None:
        """Delete what this scenario created — its lists, found by id and checked by name."""
        try:
            for list_id, contact_id in self.foreign_contacts:
                self.client.delete_recipient(list_id, contact_id)
            mine = {list_id for list_id, _ in self.state.newsletters().values() if list_id}
            for item in self.client.lists():
                if item["id"] in mine and str(item.get("name", "")).startswith(self.portal.tag):
                    self.client.delete_list(item["id"])
        finally:
            self.client.close()
            self.state.close()
