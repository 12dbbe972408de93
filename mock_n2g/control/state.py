"""Control of the mock's state: reset, accounts, clock, and the e-mails it sent."""

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from mock_n2g.api.access import backend
from mock_n2g.backend import Account, AccountSpec
from mock_n2g.backend.forms import FORM_CODE
from mock_n2g.clock import format_timestamp
from mock_n2g.control.access import guard
from mock_n2g.errors import ApiError, bad_request

blueprint = Blueprint("control", __name__, url_prefix="/_mock")
blueprint.before_request(guard)
health = Blueprint("health", __name__, url_prefix="/_mock")  # open even without control

ACCOUNT_FIELDS = {"auth_key", "username", "password", "is_developer_mode", "form_code"}


@health.get("/health")
def alive() -> ResponseReturnValue:
    return jsonify({"status": "ok"})


def _body() -> dict[str, Any]:
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = request.get_json(force=True, silent=True)
    except RecursionError:  # nested deeper than the parser goes
        body = None
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object")
    return body


def _account_json(account: Account) -> dict[str, Any]:
    return {
        "account_id": account.account_id,
        "username": account.spec.username,
        "company_id": account.company_id,
        "user_id": account.user_id,
        "default_list_id": account.default_list_id,
        "form_codes": list(account.forms),
        "is_developer_mode": bool(account.user and account.user.get("is_developer_mode")),
    }


@blueprint.post("/reset")
def reset() -> ResponseReturnValue:
    """Empty all data (or one account's, by `account_id`); configured accounts stay."""
    account_id = _body().get("account_id")
    if account_id is not None and not isinstance(account_id, str):
        raise bad_request("account_id must be a string")
    try:
        backend().reset(account_id)
    except KeyError:
        raise ApiError(404, f"account {account_id} not found") from None
    return jsonify({"reset": account_id or "all"})


@blueprint.get("/accounts")
def list_accounts() -> ResponseReturnValue:
    """The accounts and their ids; never their credentials."""
    return jsonify({"accounts": [_account_json(a) for a in backend().accounts()]})


@blueprint.post("/accounts")
def create_account() -> ResponseReturnValue:
    body = _body()
    unknown = sorted(set(body) - ACCOUNT_FIELDS)
    if unknown:
        raise bad_request(f"unknown field {unknown[0]!r}")
    for name in ("auth_key", "username", "password"):
        if not isinstance(body.get(name), str) or not body[name].strip():
            raise bad_request(f"{name} is required (a non-empty string)")
    developer_mode = body.get("is_developer_mode", True)
    if not isinstance(developer_mode, bool):
        raise bad_request("is_developer_mode must be true or false")
    form_code = body.get("form_code")
    if form_code is not None and (
        not isinstance(form_code, str) or not FORM_CODE.fullmatch(form_code)
    ):
        raise bad_request("form_code must be 8 lowercase letters or digits")
    spec = AccountSpec(
        auth_key=body["auth_key"],
        username=body["username"].strip(),
        password=body["password"],
        is_developer_mode=developer_mode,
        default_form_code=form_code,
    )
    try:
        account = backend().add_account(spec)
    except ValueError as error:
        status = 409 if "auth key" in str(error) else 400
        raise ApiError(status, str(error)) from None
    response = jsonify(_account_json(account))
    response.status_code = 201
    return response


def _clock_json() -> dict[str, Any]:
    clock = backend().clock
    return {"now": format_timestamp(clock.now()), "offset_seconds": clock.offset}


@blueprint.get("/clock")
def read_clock() -> ResponseReturnValue:
    return jsonify(_clock_json())


@blueprint.post("/clock")
def advance_clock() -> ResponseReturnValue:
    """Move the mock's clock forward by `advance_seconds`; token expiry follows it."""
    seconds = _body().get("advance_seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise bad_request("advance_seconds must be a non-negative number")
    backend().clock.advance(seconds)
    return jsonify(_clock_json())


@blueprint.get("/outbox")
def outbox() -> ResponseReturnValue:
    """The e-mails the mock sent, oldest first; `to` (any case), `kind` and `account_id` filter."""
    emails = backend().outbox.emails(request.args.get("account_id") or None)
    to = request.args.get("to", "").strip().lower()
    if to:
        emails = [email for email in emails if email.to.lower() == to]
    kind = request.args.get("kind")
    if kind:
        emails = [email for email in emails if email.kind == kind]
    return jsonify({"emails": [email.as_json() for email in emails]})
