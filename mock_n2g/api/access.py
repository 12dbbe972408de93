"""What every resource handler needs: the backend, the caller's account, the JSON body."""

import json
from typing import Any

from flask import current_app, g, request

from mock_n2g.backend import Account, Backend
from mock_n2g.errors import bad_request

BACKEND_KEY = "n2g_backend"


def backend() -> Backend:
    return current_app.extensions[BACKEND_KEY]


def bearer_token() -> str | None:
    """The token of `Authorization: Bearer <token>` (scheme case-insensitive, spaces tolerated)."""
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def authenticate() -> None:
    """`before_request` of every resource blueprint: a valid access token or a 401."""
    g.account = backend().auth.account_for_access_token(bearer_token())


def account() -> Account:
    return g.account


def json_body() -> Any:
    """The parsed JSON body, whatever the Content-Type says (clients are sloppy about it)."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise bad_request("the request body is empty, JSON expected")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise bad_request(f"malformed JSON body: {error}") from None
    except RecursionError:  # nested deeper than the parser goes
        raise bad_request("malformed JSON body: nested too deeply") from None


def json_object() -> dict[str, Any]:
    body = json_body()
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    return body
