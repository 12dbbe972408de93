"""Control of the mock's state: reset, accounts, clock, and the e-mails it sent."""

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from mock_n2g.api.access import backend
from mock_n2g.control.access import guard

blueprint = Blueprint("control", __name__, url_prefix="/_mock")
blueprint.before_request(guard)


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
