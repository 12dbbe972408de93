"""`POST /oauth/v2/token`: the auth key in HTTP Basic, the grant in a JSON or form body."""

import base64
import binascii
import json
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from mock_n2g.api.access import backend

blueprint = Blueprint("auth", __name__)


def _auth_key() -> str | None:
    """`Basic base64(auth_key)`, the key being `client_id:client_secret`; or both in the body."""
    scheme, _, encoded = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "basic" and encoded.strip():
        try:
            padded = encoded.strip() + "=" * (-len(encoded.strip()) % 4)
            return base64.b64decode(padded, validate=True).decode("utf-8") or None
        except (binascii.Error, UnicodeDecodeError):
            return None
    params = _params()
    client_id, client_secret = params.get("client_id"), params.get("client_secret")
    if isinstance(client_id, str) and client_id:
        return f"{client_id}:{client_secret or ''}"
    return None


def _params() -> dict[str, Any]:
    """Token request parameters from a form or a JSON body, whichever was sent."""
    if request.form:
        return request.form.to_dict()
    try:
        body = json.loads(request.get_data(cache=True) or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return {}
    return body if isinstance(body, dict) else {}


@blueprint.post("/oauth/v2/token")
def token() -> ResponseReturnValue:
    grant = backend().auth.grant(_auth_key(), _params())
    response = jsonify(
        {
            "access_token": grant.access_token,
            "expires_in": grant.expires_in,
            "token_type": "bearer",
            "scope": None,
            "refresh_token": grant.refresh_token,
            "account_id": grant.account_id,
            "type": "user",
        }
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
