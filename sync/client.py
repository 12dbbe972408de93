"""The Newsletter2Go API client of the sync: tokens, bounded retries, pagination, typed errors.

Not thread-safe: use one client per thread.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from sync.auth import TokenManager, Tokens, TokenStore
from sync.http import (
    AuthError,
    ConfigError,
    N2GError,
    NotFound,
    Redactor,
    Retryable,
    ServiceError,
    Settings,
    Transport,
    Unavailable,
    log,
)

__all__ = [
    "AuthError",
    "Client",
    "ConfigError",
    "N2GError",
    "NotFound",
    "ServiceError",
    "Settings",
    "TokenStore",
    "Tokens",
    "Unavailable",
    "UpsertResult",
]

PAGE_SIZE = 500
UPSERT_BATCH = 500  # recipients per POST /recipients: keeps bodies far below 1 MiB
UPDATE_CHUNK = 50  # ids per `_filter=id=in=(...)`
DUPLICATE_CODE = 1062


@dataclass(frozen=True)
class UpsertResult:
    ids: list[str]  # one per saved recipient, in the order the service answered
    invalid: list[dict]  # info.additional.invalid_recipients, as the service reported them


@dataclass
class _Call:
    """State of one logical call across its attempts: the access token is renewed only once."""

    renewed: bool = False


def _segment(value: str) -> str:
    """An id as one URL path segment."""
    return quote(value, safe="")


def _quoted(value: str) -> str:
    """A `_filter` string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _values(body: Mapping[str, Any]) -> list[Any]:
    value = body.get("value")
    return value if isinstance(value, list) else []


def _count(body: Mapping[str, Any]) -> int:
    info = body.get("info")
    count = info.get("count") if isinstance(info, dict) else None
    return count if isinstance(count, int) else 0


class Client:
    """Newsletter2Go for the sync: lists, attributes and recipients."""

    def __init__(
        self,
        settings: Settings,
        token_store: TokenStore | None = None,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self._own_session = session is None
        redact = Redactor(settings)
        self._http = Transport(settings, session or requests.Session(), sleep, redact)
        self._tokens = TokenManager(settings, self._http, redact, token_store, now)

    def __repr__(self) -> str:
        return f"Client(base_url={self.settings.base_url!r}, username={self.settings.username!r})"

    @property
    def requests_sent(self) -> int:
        """HTTP requests sent so far, of all kinds (token requests and retries included)."""
        return self._http.requests_sent

    def close(self) -> None:
        """Close the HTTP session if the client made it."""
        if self._own_session:
            self._http.session.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # account

    def login(self) -> Tokens:
        """Log in with the password grant now."""
        return self._tokens.login()

    def account_id(self) -> str:
        return self._tokens.valid().account_id

    def current_user(self) -> dict:
        """The account's user (`is_developer_mode`, `account_id`, ...)."""
        users = _values(self._call("GET", "/users"))
        if not users or not isinstance(users[0], dict) or "id" not in users[0]:
            raise N2GError("GET /users: the account has no user")
        return self._one("GET", f"/users/{_segment(users[0]['id'])}")

    # lists

    def lists(self) -> Iterator[dict]:
        """All lists, expanded, page by page."""
        return self._pages("/lists", {"_expand": "true"})

    def get_list(self, list_id: str) -> dict | None:
        try:
            return self._one("GET", f"/lists/{_segment(list_id)}", {"_expand": "true"})
        except NotFound:
            return None

    def find_lists_by_name(self, name: str) -> list[dict]:
        """Lists of exactly this name (the service's filter ignores case; this does not)."""
        params = {"_filter": f"name=={_quoted(name)}", "_expand": "true"}
        return [item for item in self._pages("/lists", params) if item.get("name") == name]

    def create_list(self, name: str, exclude: Collection[str] = ()) -> str:
        """Create a list; never blindly twice: after an ambiguous failure look the name up first.

        A list of this name whose id is not in `exclude` counts as the one this call created.
        """
        method, path, call = "POST", "/lists", _Call()
        limit = self.settings.max_attempts
        for number in range(1, limit + 1):
            try:
                return self._new_id(self._attempt(method, path, None, {"name": name}, call, number))
            except Retryable as failure:
                if failure.ambiguous:
                    found = self._created_list(name, exclude)
                    if found is not None:
                        log.info("POST /lists: answer lost, found the created list %s", found)
                        return found
                if number == limit:
                    raise self._http.exhausted(method, path, failure) from failure.error
                self._http.pause(method, path, failure, number)
        raise AssertionError("unreachable")  # pragma: no cover

    def rename_list(self, list_id: str, name: str) -> None:
        self._call("PATCH", f"/lists/{_segment(list_id)}", body={"name": name})

    def delete_list(self, list_id: str) -> None:
        """Delete a list with its contacts (the journeys' clean-up of lists they created)."""
        self._call("DELETE", f"/lists/{_segment(list_id)}")

    def active_count(self, list_id: str) -> int:
        """The service's own count of the list's contacts that are not unsubscribed."""
        body = self._call("GET", f"/lists/{_segment(list_id)}/recipients", params={"_limit": 1})
        info = body.get("info")
        additional = info.get("additional") if isinstance(info, dict) else None
        active = additional.get("active") if isinstance(additional, dict) else None
        if not isinstance(active, int):
            raise N2GError(f"GET /lists/{list_id}/recipients: the answer has no active count")
        return active

    # attributes

    def list_attributes(self, list_id: str) -> list[str]:
        """Names of the attributes attached to the list."""
        items = self._pages(f"/lists/{_segment(list_id)}/attributes", {"_expand": "true"})
        return [item["name"] for item in items if isinstance(item.get("name"), str)]

    def create_attribute(self, list_id: str, name: str) -> None:
        """A text attribute on the list; one that exists already (1062) counts as success."""
        body = {"list_ids": [list_id], "name": name, "type": "text"}
        try:
            self._call("POST", "/attributes", body=body)
        except ServiceError as error:
            if error.code != DUPLICATE_CODE:
                raise
            log.debug("POST /attributes: %s exists already", name)

    # recipients

    def upsert_recipients(self, list_id: str, recipients: list[dict]) -> UpsertResult:
        """Create or update by e-mail; one request per key set (and batch), values as given."""
        by_keys: dict[frozenset[str], list[dict]] = {}
        for recipient in recipients:
            payload = {**recipient, "list_id": list_id}
            by_keys.setdefault(frozenset(payload), []).append(payload)
        ids: list[str] = []
        invalid: list[dict] = []
        for group in by_keys.values():
            for start in range(0, len(group), UPSERT_BATCH):
                body = self._call("POST", "/recipients", body=group[start : start + UPSERT_BATCH])
                ids.extend(item["id"] for item in _values(body) if isinstance(item, dict))
                info = body.get("info")
                extra = info.get("additional") if isinstance(info, dict) else None
                if isinstance(extra, dict):
                    invalid.extend(extra.get("invalid_recipients") or [])
        return UpsertResult(ids, invalid)

    def update_recipient(self, list_id: str, recipient_id: str, fields: dict) -> None:
        """PATCH one recipient; `NotFound` if it is gone."""
        path = f"/lists/{_segment(list_id)}/recipients/{_segment(recipient_id)}"
        self._call("PATCH", path, body=dict(fields))

    def update_recipients_by_ids(self, list_id: str, recipient_ids: list[str], fields: dict) -> int:
        """PATCH these recipients, 50 ids per request; returns how many the service changed."""
        if isinstance(recipient_ids, str) or not recipient_ids:
            raise ValueError(
                "update_recipients_by_ids needs a non-empty list of ids: "
                "a PATCH without a filter would change every recipient of the list"
            )
        ids = list(dict.fromkeys(recipient_ids))
        path = f"/lists/{_segment(list_id)}/recipients"
        changed = 0
        for start in range(0, len(ids), UPDATE_CHUNK):
            chunk = ids[start : start + UPDATE_CHUNK]
            flt = "id=in=(" + ",".join(_quoted(i) for i in chunk) + ")"
            changed += _count(self._call("PATCH", path, params={"_filter": flt}, body=dict(fields)))
        return changed

    def delete_recipient(self, list_id: str, recipient_id: str) -> None:
        """Delete one contact (the journeys' clean-up; the sync itself never deletes)."""
        self._call("DELETE", f"/lists/{_segment(list_id)}/recipients/{_segment(recipient_id)}")

    def get_recipient(self, list_id: str, recipient_id: str) -> dict | None:
        path = f"/lists/{_segment(list_id)}/recipients/{_segment(recipient_id)}"
        try:
            return self._one("GET", path, {"_expand": "true"})
        except NotFound:
            return None

    def iter_recipients(
        self, list_id: str, fields: list[str] | None = None, page_size: int = PAGE_SIZE
    ) -> Iterator[dict]:
        """All recipients of the list, expanded or with the given fields (and id)."""
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        params = (
            {"_expand": "true"}
            if fields is None
            else {"_fields": ",".join(dict.fromkeys(["id", *fields]))}
        )
        return self._pages(f"/lists/{_segment(list_id)}/recipients", params, page_size)

    def find_recipient(self, list_id: str, email: str) -> dict | None:
        """The list's recipient with this e-mail address (the service ignores case)."""
        params = {"_filter": f"email=={_quoted(email)}", "_expand": "true"}
        return next(self._pages(f"/lists/{_segment(list_id)}/recipients", params), None)

    # plumbing

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> dict[str, Any]:
        """One idempotent request: authenticated, retried within bounds, errors typed."""
        call = _Call()
        return self._http.retrying(
            method,
            path,
            lambda number: self._attempt(method, path, params, body, call, number),
        )

    def _attempt(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Any,
        call: _Call,
        number: int,
    ) -> dict[str, Any]:
        """One attempt; a 401 renews the access token and repeats once per call."""

        def send() -> requests.Response:
            headers = self._tokens.header()
            return self._http.send(
                method, path, headers=headers, attempt=number, params=params, body=body
            )

        response = send()
        if response.status_code == 401 and not call.renewed:
            call.renewed = True
            log.warning("%s %s: access token refused (401); renewing it once", method, path)
            self._tokens.renew()
            response = send()
        if response.status_code == 401:
            raise AuthError(
                f"{method} {path}: the service refused a freshly renewed access token (401); "
                "check that the user of N2G_USERNAME still has API access",
                which="refresh",
            )
        return self._http.parse(method, path, response)

    def _one(self, method: str, path: str, params: Mapping[str, Any] | None = None) -> dict:
        values = _values(self._call(method, path, params=params))
        if not values or not isinstance(values[0], dict):
            raise N2GError(f"{method} {path}: the answer holds no item")
        return values[0]

    def _pages(
        self, path: str, params: Mapping[str, Any], page_size: int = PAGE_SIZE
    ) -> Iterator[dict]:
        """Items of a collection by `_limit`/`_offset` until `info.count`, an empty page, or
        one page more than the first page's count needs."""
        offset, pages, max_pages = 0, 0, 1
        while True:
            query = {**params, "_limit": page_size, "_offset": offset}
            body = self._call("GET", path, params=query)
            items = [item for item in _values(body) if isinstance(item, dict)]
            count = _count(body)
            pages += 1
            if pages == 1 and items:
                max_pages = math.ceil(count / len(items)) + 1
            yield from items
            offset += len(items)
            if not items or offset >= count:
                return
            if pages >= max_pages:
                log.warning(
                    "GET %s: stopped after %d pages at %d of %d", path, pages, offset, count
                )
                return

    def _new_id(self, body: dict[str, Any]) -> str:
        first = next(iter(_values(body)), None)
        if not isinstance(first, dict) or not isinstance(first.get("id"), str):
            raise Retryable("a create answer without the new id", ambiguous=True)
        return first["id"]

    def _created_list(self, name: str, exclude: Collection[str]) -> str | None:
        """The newest list of this name not in `exclude`: a create whose answer was lost."""
        found = [item["id"] for item in self.find_lists_by_name(name) if item["id"] not in exclude]
        return found[-1] if found else None
