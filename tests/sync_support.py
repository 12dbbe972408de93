"""Helpers for the sync's tests: events as the portal writes them, and a look at the account."""

import itertools
import json
from typing import Any

import requests

from mock_n2g.testing import Credentials
from sync.client import Client, Settings
from sync.state import State

_ids = itertools.count(1)


def event(kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "event_id": f"e{next(_ids)}",
        "event": kind,
        "at": "2026-12-01T10:00:00+00:00",
        **fields,
    }


def newsletter(newsletter_id: str, name: str) -> dict[str, Any]:
    return event("newsletter.created", newsletter_id=newsletter_id, name=name)


def subscribe(subscription_id: str, newsletter_id: str, email: str, **fields: Any) -> dict:
    return event(
        "subscription.created",
        subscription_id=subscription_id,
        newsletter_id=newsletter_id,
        email=email,
        **fields,
    )


def lines(*events: dict[str, Any]) -> list[str]:
    return [json.dumps(e) for e in events]


class Account:
    """Reads the mock account through the public API only, as a journey on staging would."""

    def __init__(self, credentials: Credentials) -> None:
        self.base = credentials.base_url
        client_id, _, secret = credentials.auth_key.partition(":")
        token = requests.post(
            f"{self.base}/oauth/v2/token",
            auth=(client_id, secret),
            json={
                "username": credentials.username,
                "password": credentials.password,
                "grant_type": "https://nl2go.com/jwt",
            },
            timeout=10,
        ).json()["access_token"]
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str) -> dict:
        response = self.session.get(self.base + path, timeout=10)
        response.raise_for_status()
        return response.json()

    def lists(self) -> dict[str, str]:
        """name → id (names of the account are unique in these tests)."""
        return {
            item["name"]: item["id"] for item in self.get("/lists?_expand=1&_limit=500")["value"]
        }

    def list_count(self, name: str) -> int:
        values = self.get("/lists?_expand=1&_limit=500")["value"]
        return sum(1 for item in values if item["name"] == name)

    def contacts(self, list_id: str) -> dict[str, dict]:
        """lower-case e-mail → contact."""
        body = self.get(f"/lists/{list_id}/recipients?_expand=1&_limit=1000")
        return {item["email"].lower(): item for item in body["value"]}

    def patch(self, path: str, body: dict) -> None:
        self.session.patch(self.base + path, json=body, timeout=10).raise_for_status()


def sync_client(credentials: Credentials, state: State) -> Client:
    """The sync's client on the mock's account, with quick retries."""
    settings = Settings(
        auth_key=credentials.auth_key,
        username=credentials.username,
        password=credentials.password,
        base_url=credentials.base_url,
        backoff_base=0.001,
        backoff_max=0.01,
    )
    return Client(settings, token_store=state)
