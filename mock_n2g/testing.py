"""Run the mock inside a test process and steer it: for this project's tests and anyone's.

with MockServer() as mock:
    client = MyN2GClient(mock.credentials.base_url, ...)
    mock.control.add_fault(method="POST", path="/recipients", status=503, times=1)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import requests
from waitress import wasyncore

from mock_n2g.app import create_app
from mock_n2g.backend import AccountSpec
from mock_n2g.config import MockConfig
from mock_n2g.control.access import ADMIN_HEADER
from mock_n2g.server import make_server

TIMEOUT = 10
DEFAULT_ACCOUNT = AccountSpec(
    auth_key="pytest_client_id:pytest_client_secret",
    username="pytest@example.org",
    password="pytest-password",  # noqa: S106 - a test account of the mock
    default_form_code="pytest01",
)


@dataclass(frozen=True)
class Credentials:
    """What a client needs to log in to the mock, as the project's `N2G_*` settings."""

    base_url: str
    auth_key: str
    username: str
    password: str

    def __repr__(self) -> str:
        return f"Credentials(base_url={self.base_url!r}, username={self.username!r}, <redacted>)"

    def as_env(self) -> dict[str, str]:
        return {
            "N2G_BASE_URL": self.base_url,
            "N2G_AUTH_KEY": self.auth_key,
            "N2G_USERNAME": self.username,
            "N2G_PASSWORD": self.password,
        }


class MockControl:
    """A client of the mock's control API (`/_mock/...`)."""

    def __init__(self, base_url: str, admin_token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = requests.Session()
        if admin_token:
            self._session.headers[ADMIN_HEADER] = admin_token

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._session.request(
            method, f"{self.base_url}/_mock{path}", timeout=TIMEOUT, **kwargs
        )
        if response.status_code >= 400:
            raise RuntimeError(f"{method} /_mock{path}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    def reset(self, account_id: str | None = None) -> None:
        self._call("POST", "/reset", json={"account_id": account_id} if account_id else {})

    def accounts(self) -> list[dict[str, Any]]:
        return self._call("GET", "/accounts")["accounts"]

    def create_account(
        self, auth_key: str, username: str, password: str, *, is_developer_mode: bool = True
    ) -> dict[str, Any]:
        body = {
            "auth_key": auth_key,
            "username": username,
            "password": password,
            "is_developer_mode": is_developer_mode,
        }
        return self._call("POST", "/accounts", json=body)

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        return self._call("POST", "/clock", json={"advance_seconds": seconds})

    def outbox(self, **filters: str) -> list[dict[str, Any]]:
        return self._call("GET", "/outbox", params=filters)["emails"]

    def requests(self, **filters: str) -> list[dict[str, Any]]:
        return self._call("GET", "/requests", params=filters)["requests"]

    def clear_requests(self) -> None:
        self._call("DELETE", "/requests")

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        return self._call("POST", "/faults", json=rule)

    def faults(self) -> list[dict[str, Any]]:
        return self._call("GET", "/faults")["rules"]

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")


class MockServer:
    """The mock on a free loopback port, served by waitress in a background thread."""

    def __init__(self, accounts: list[AccountSpec] | None = None, **config: Any) -> None:
        self.accounts = accounts or [DEFAULT_ACCOUNT]
        self.app = create_app(MockConfig(accounts=self.accounts, **config))
        self._server = make_server(self.app, host="127.0.0.1", port=0, threads=8)
        self._thread: threading.Thread | None = None
        self.base_url = f"http://127.0.0.1:{self._server.effective_port}"
        self.control = MockControl(self.base_url)

    @property
    def credentials(self) -> Credentials:
        """Of the first account."""
        spec = self.accounts[0]
        return Credentials(self.base_url, spec.auth_key, spec.username, spec.password)

    def start(self) -> MockServer:
        self._thread = threading.Thread(target=self._server.run, name="n2g-mock", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the listener and every open connection from inside the server's loop."""
        if self._thread is None:
            self._server.close()
            return
        socket_map = getattr(self._server, "_map", None) or self._server.map
        self._server.trigger.pull_trigger(lambda: wasyncore.close_all(socket_map))
        self._thread.join(timeout=5)
        self._server.task_dispatcher.shutdown()
        self._thread = None

    def reset(self) -> None:
        """A clean slate for the next test: data, faults and the request journal."""
        self.control.reset()
        self.control.clear_faults()
        self.control.clear_requests()

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
