"""The request journal (WireMock-style): what clients sent to the service's endpoints.

Every live request outside `/_mock` is recorded, oldest dropped beyond the limit (10,000 by
default). Secrets never enter it: no headers but Content-Type are kept, and the values of
`password`, `refresh_token`, `client_secret` and `access_token` (in a body or the query, at
any depth) are `"<redacted>"`; a token request body that is not JSON or a form is kept as
`"<redacted>"` whole.
"""

import json
import threading
import time
from collections import deque
from contextlib import suppress
from itertools import count
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from mock_n2g.api.access import backend
from mock_n2g.clock import format_timestamp
from mock_n2g.control.access import guard
from mock_n2g.control.faults import NETWORK_FAULTS, applied_fault, is_service_request
from mock_n2g.errors import bad_request

JOURNAL_KEY = "n2g_journal"
DEFAULT_LIMIT = 10_000
BODY_LIMIT = 64 * 1024
OAUTH_PATH = "/oauth/v2/token"
SECRET_FIELDS = frozenset({"password", "refresh_token", "client_secret", "access_token"})
REDACTED = "<redacted>"


class Journal:
    """The last `limit` requests, oldest first; safe to use from every server thread."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=limit)
        self._ids = count(1)
        self._lock = threading.Lock()

    @property
    def limit(self) -> int:
        return self._entries.maxlen or 0

    def resize(self, limit: int) -> None:
        """Keep at most `limit` entries from now on (the newest, if there are more)."""
        if limit < 1:
            raise ValueError("a journal keeps at least one entry")
        with self._lock:
            self._entries = deque(self._entries, maxlen=limit)

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append({"id": next(self._ids), **entry})

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> int:
        with self._lock:
            cleared = len(self._entries)
            self._entries.clear()
            return cleared


def journal() -> Journal:
    return current_app.extensions[JOURNAL_KEY]


def redacted(value: Any) -> Any:
    """`value` with every secret field's value replaced, at any depth."""
    if isinstance(value, dict):
        return {
            key: REDACTED if str(key).lower() in SECRET_FIELDS else redacted(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redacted(item) for item in value]
    return value


def _parsed_body(raw: bytes) -> tuple[Any, bool]:
    """The body as parsed JSON, a form's fields, or text; and whether it is parsed."""
    if request.mimetype == "application/x-www-form-urlencoded":
        fields = request.form.to_dict(flat=False)
        return {
            key: values[0] if len(values) == 1 else values for key, values in fields.items()
        }, True
    with suppress(UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return json.loads(raw), True
    return raw.decode("utf-8", errors="replace"), False


def _request_body() -> tuple[Any, bool]:
    """What the journal keeps of the body (None if there is none) and whether it was cut."""
    try:
        raw = request.get_data(cache=True)
    except HTTPException:  # too large or unreadable: the answer says so already
        return None, True
    if not raw:
        return None, False
    truncated = len(raw) > BODY_LIMIT
    if truncated:
        body, parsed = raw[:BODY_LIMIT].decode("utf-8", errors="ignore"), False
    else:
        body, parsed = _parsed_body(raw)
    if request.path == OAUTH_PATH and not parsed:
        return REDACTED, truncated
    return redacted(body), truncated


def _account_id(response: Response) -> str | None:
    account = g.get("account")
    if account is not None:
        return account.account_id
    if request.path == OAUTH_PATH and response.status_code == 200:
        body = response.get_json(silent=True)
        if isinstance(body, dict) and isinstance(body.get("account_id"), str):
            return body["account_id"]
    return None


def _start() -> None:
    if not is_service_request():
        return
    g.n2g_journal_start = (time.perf_counter(), backend().clock.now())
    with suppress(HTTPException):  # read now, so a form parser reading the stream leaves it
        request.get_data(cache=True)


def _describe(response: Response) -> Response:
    started = g.get("n2g_journal_start")
    if started is None:
        return response
    fault = applied_fault(request.environ)
    body, truncated = _request_body()
    g.n2g_journal_entry = {
        "time": format_timestamp(started[1]),
        "method": request.method,
        "path": request.path,
        "query": redacted(request.args.to_dict(flat=False)),
        "status": None if fault in NETWORK_FAULTS else response.status_code,
        "account_id": _account_id(response),
        "content_type": request.headers.get("Content-Type"),
        "request_body": body,
        "request_body_truncated": truncated,
        "fault": fault,
    }
    return response


def _record(error: BaseException | None) -> None:
    """Runs after every other clean-up, so the duration includes `after` delays."""
    entry = g.pop("n2g_journal_entry", None)
    if entry is not None:
        elapsed = time.perf_counter() - g.n2g_journal_start[0]
        journal().record({**entry, "duration_ms": round(elapsed * 1000, 1)})


def install(app: Flask, limit: int = DEFAULT_LIMIT) -> None:
    """Journal hooks at app level; install before the fault hooks (see `install_hooks`)."""
    app.extensions[JOURNAL_KEY] = Journal(limit)
    app.before_request(_start)
    app.after_request(_describe)
    app.teardown_request(_record)


blueprint = Blueprint("journal", __name__, url_prefix="/_mock")
blueprint.before_request(guard)


def _limit() -> int | None:
    raw = request.args.get("limit")
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise bad_request("limit must be a positive integer")
    return int(raw)


@blueprint.get("/requests")
def list_requests() -> ResponseReturnValue:
    """Oldest first; `method`, `path_prefix` and `account_id` filter, `limit` keeps the newest."""
    entries = journal().entries()
    method = request.args.get("method")
    if method:
        entries = [entry for entry in entries if entry["method"] == method.upper()]
    prefix = request.args.get("path_prefix")
    if prefix:
        entries = [entry for entry in entries if entry["path"].startswith(prefix)]
    account_id = request.args.get("account_id")
    if account_id:
        entries = [entry for entry in entries if entry["account_id"] == account_id]
    limit = _limit()
    if limit is not None:
        entries = entries[-limit:]
    return jsonify({"requests": entries})


@blueprint.delete("/requests")
def clear_requests() -> ResponseReturnValue:
    return jsonify({"deleted": journal().clear()})
