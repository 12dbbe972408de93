"""Provider states of the pact: Python handlers behind the endpoint the Pact verifier calls.

Each handler answers the values that interactions inject (`${listId}`, `${accessToken}`, ...),
so the consumer's example ids need not exist at the provider. With `provision=True` (the mock)
a handler creates its data through the public API and the account is reset after every
interaction; with `provision=False` (a customer's staging account) it only looks the data up
and fails with a message that names what is missing.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from tests.contract.pact.contract import (
    ATTRIBUTE,
    CREDENTIALS,
    LIST,
    LOGGED_IN,
    NO_ATTRIBUTE,
    RECIPIENTS,
    REFRESH_TOKEN,
    USER,
)

PASSWORD_GRANT = "https://nl2go.com/jwt"
PAGE = {"_limit": 500, "_offset": 0}
TIMEOUT = 30.0


@dataclass(frozen=True, repr=False)
class ProviderAccount:
    """Where the provider answers and the API credentials of the account to verify with."""

    base_url: str
    auth_key: str
    username: str
    password: str

    def __repr__(self) -> str:
        return f"ProviderAccount(base_url={self.base_url!r}, <credentials redacted>)"

    @property
    def basic_credentials(self) -> str:
        return base64.b64encode(self.auth_key.encode()).decode("ascii")

    def secrets(self) -> set[str]:
        """Values that must never be printed."""
        return {
            self.auth_key,
            self.auth_key.partition(":")[2],
            self.basic_credentials,
            self.password,
        }


class StateError(Exception):
    """A provider state that could not be set up; the message says what is missing."""


class _Dependent(StateError):
    """A state that needs a value an earlier, failed state of the interaction did not give."""


class ProviderApi:
    """Just enough of the public API to set up or look up provider states."""

    def __init__(self, account: ProviderAccount, session: requests.Session | None = None) -> None:
        self.account = account
        self.session = session or requests.Session()
        self.tokens_seen: set[str] = set()
        self._access_token: str | None = None

    def grant(self) -> dict[str, Any]:
        """A fresh password grant."""
        client_id, _, client_secret = self.account.auth_key.partition(":")
        body = {
            "username": self.account.username,
            "password": self.account.password,
            "grant_type": PASSWORD_GRANT,
        }
        answer = self._send("POST", "/oauth/v2/token", body=body, auth=(client_id, client_secret))
        for key in ("access_token", "refresh_token"):
            if not isinstance(answer.get(key), str):
                raise StateError(f"POST /oauth/v2/token: the answer holds no {key}")
            self.tokens_seen.add(answer[key])
        return answer

    def access_token(self) -> str:
        """The access token of this run, logging in on first use."""
        if self._access_token is None:
            self._access_token = self.grant()["access_token"]
        return self._access_token

    def forget_tokens(self) -> None:
        self._access_token = None

    def call(
        self, method: str, path: str, params: Mapping[str, Any] | None = None, body: Any = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.access_token()}"}
        return self._send(method, path, params=params, body=body, headers=headers)

    def values(self, path: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        value = self.call("GET", path, {**PAGE, **(params or {})}).get("value")
        return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []

    def _send(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        body = kwargs.pop("body", None)
        try:
            response = self.session.request(
                method, self.account.base_url + path, json=body, timeout=TIMEOUT, **kwargs
            )
        except requests.RequestException as error:
            raise StateError(f"{method} {path}: {type(error).__name__}") from None
        if response.status_code >= 300:
            raise StateError(f"{method} {path}: HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise StateError(f"{method} {path}: HTTP {response.status_code} without a JSON object")
        return answer


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(params: Mapping[str, Any], name: str, state: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value:
        raise StateError(f"provider state {state!r} needs the parameter {name!r}")
    return value


class ProviderStates:
    """The handlers of the pact's provider states, for one verification run."""

    def __init__(
        self,
        api: ProviderApi,
        *,
        provision: bool,
        reset: Callable[[], None] | None = None,
    ) -> None:
        self.api = api
        self.provision = provision
        self._reset = reset
        self._values: dict[str, str] = {}
        self._active = False
        self._failed = False
        self._handlers: dict[str, Callable[[str, Mapping[str, Any]], dict[str, str]]] = {
            CREDENTIALS: self._credentials,
            LOGGED_IN: self._logged_in,
            REFRESH_TOKEN: self._refresh_token,
            LIST: self._list,
            RECIPIENTS: self._recipients,
            ATTRIBUTE: self._attribute,
            NO_ATTRIBUTE: self._no_attribute,
            USER: self._user,
        }

    def secrets(self) -> set[str]:
        return self.api.account.secrets() | self.api.tokens_seen

    def setup(self, state: str, params: Mapping[str, Any]) -> dict[str, str]:
        """Bring the provider into `state`; the answer is what interactions may inject."""
        handler = self._handlers.get(state)
        if handler is None:
            raise StateError(f"unknown provider state {state!r}")
        self._active = True
        try:
            values = handler(state, params)
        except _Dependent:
            return {}
        except StateError:
            self._failed = True
            raise
        self._values.update(values)
        return values

    def teardown(self, state: str, params: Mapping[str, Any]) -> None:
        """After an interaction (once, whichever of its states comes first): a clean account."""
        if not self._active:
            return
        self._active = self._failed = False
        self._values.clear()
        if self.provision and self._reset is not None:
            self._reset()
            self.api.forget_tokens()

    def _current(self, name: str, state: str) -> str:
        if name not in self._values and self._failed:
            raise _Dependent
        if name not in self._values:
            raise StateError(f"provider state {state!r} needs a state before it that gives {name}")
        return self._values[name]

    def _missing(self, state: str, what: str) -> StateError:
        return StateError(
            f"provider state {state!r}: the account has no {what}; "
            "prepare it there (states are only looked up, not created, at this provider)"
        )

    # handlers

    def _credentials(self, state: str, params: Mapping[str, Any]) -> dict[str, str]:
        account = self.api.account
        return {
            "basicCredentials": account.basic_credentials,
            "username": account.username,
            "password": account.password,
        }

    def _logged_in(self, state: str, params: Mapping[str, Any]) -> dict[str, str]:
        return {"accessToken": self.api.access_token()}

    def _refresh_token(self, state: str, params: Mapping[str, Any]) -> dict[str, str]:
        return {"refreshToken": self.api.grant()["refresh_token"]}

    def _list(self, state: str, params: Mapping[str, Any]) -> dict[str, str]:
        name = _text(params, "name", state)
        if self.provision:
            created = self.api.call("POST", "/lists", body={"name": name})
            return {"listId": created["value"][0]["id"]}
        found = [
            item["id"]
            for item in self.api.values(
                "/lists", {"_filter": f"name=={_quoted(name)}", "_expand": "true"}
            )
            if item.get("name") == name
        ]
        if not found:
            raise self._missing(state, f"list named {name!r}")
        return {"listId": found[0]}

    def _recipients(self, state: str, params: Mapping[str, Any]) -> dict[str, str]:
        emails = params.get("emails")
        if not isinstance(emails, list) or not emails:
            raise StateError(f"provider state {state!r} needs the parameter 'emails'")
        list_id = self._current("listId", state)
        if self.provision:
            body = [{"email": email, "list_id": list_id} for email in emails]
            created = self.api.call("POST", "/recipients", body=body)
            return {"recipientId": created["value"][0]["id"]}
        ids = []
        for email in emails:
            path = f"/lists/{list_id}/recipients"
            found = self.api.values(path, {"_filter": f"email=={_quoted(email)}"})
            if not found:
                raise self._missing(state, f"recipient {email!r} in the list")
            ids.append(found[0]["id"])
        return {"recipientId": ids[0]}

    def _attribute_names(self, list_id: str) -> set[str]:
        items = self.api.values(f"/lists/{list_id}/attributes", {"_expand": "true"})
        return {item["name"] for item in items if isinstance(item.get("name"), str)}

    def _attribute(self, state: str, params: Mapping[str, Any]) -> dict[str, str]:
        name = _text(params, "name", state)
        list_id = self._current("listId", state)
        if self.provision:
            body = {"list_ids": [list_id], "name": name, "type": "text"}
            self.api.call("POST", "/attributes", body=body)
        elif name not in self._attribute_names(list_id):
            raise self._missing(state, f"attribute {name!r} in the list")
        return {}

    def _no_attribute(self, state: str, params: Mapping[str, Any]) -> dict[str, str]:
        name = _text(params, "name", state)
        if name in self._attribute_names(self._current("listId", state)):
            raise StateError(
                f"provider state {state!r}: the list has an attribute {name!r} already; "
                "delete it there to verify its creation"
            )
        return {}

    def _user(self, state: str, params: Mapping[str, Any]) -> dict[str, str]:
        users = self.api.call("GET", "/users").get("value")
        if not isinstance(users, list) or not users or not isinstance(users[0], dict):
            raise self._missing(state, "user")
        return {"userId": users[0]["id"]}


class _Handler(BaseHTTPRequestHandler):
    server: _StateHttpServer

    def do_POST(self) -> None:
        """Answer 200 even when a state fails: the verifier retries failed state calls with
        backoff for a long time; the interaction then fails at the provider instead, and the
        error is kept for the report."""
        length = int(self.headers.get("Content-Length") or 0)
        values: dict[str, str] = {}
        try:
            call = json.loads(self.rfile.read(length) or b"{}")
            state, action = call.get("state") or "", call.get("action") or "setup"
            params = call.get("params") or {}
            if action == "teardown":
                self.server.states.teardown(state, params)
            else:
                values = self.server.states.setup(state, params)
        except StateError as error:
            self.server.errors.append(str(error))
        except Exception as error:  # a bug in a handler must fail the interaction, not hang
            self.server.errors.append(f"state handler failed: {type(error).__name__}: {error}")
        self._answer(200, values)

    def _answer(self, status: int, body: dict[str, str]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the verifier reports each state."""


class _StateHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, states: ProviderStates) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.states = states
        self.errors: list[str] = []


class StateServer:
    """The provider-state endpoint for the verifier: a loopback HTTP server in a thread."""

    PATH = "/_pact/provider-states"

    def __init__(self, states: ProviderStates) -> None:
        self._server = _StateHttpServer(states)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self.PATH}"

    @property
    def errors(self) -> list[str]:
        """Messages of the states that could not be set up, in order."""
        return list(self._server.errors)

    def __enter__(self) -> StateServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="pact-provider-states", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def states_of(pact: Mapping[str, Any]) -> Iterator[tuple[str, list[str]]]:
    """(description, provider states with their parameters) of each interaction of a pact."""
    for interaction in pact.get("interactions", []):
        states = [
            state["name"] + (f" {json.dumps(state['params'])}" if state.get("params") else "")
            for state in interaction.get("providerStates", [])
        ]
        yield interaction["description"], states
