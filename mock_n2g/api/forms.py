"""Subscription forms: `/forms/generate`, `/forms/submit` and the opt-in confirmation link.

Public like the service's forms: no bearer token. The confirmation link is the mock's own
stand-in for the page a subscriber reaches from the opt-in e-mail.
"""

from flask import Blueprint, Response
from flask.typing import ResponseReturnValue
from markupsafe import escape

from mock_n2g.api import envelope
from mock_n2g.api.access import backend, json_body
from mock_n2g.errors import bad_request

blueprint = Blueprint("forms", __name__)

CONFIRMATION_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Newsletter subscription</title></head>
<body><p>{message}</p></body>
</html>
"""


def confirm_url(token: str) -> str:
    return envelope.href(f"/forms/confirm/{token}")


@blueprint.get("/forms/generate/<code>")
def generate_form(code: str) -> ResponseReturnValue:
    document = backend().forms.document(code)
    document["url"] = envelope.href(f"/forms/generate/{code}")
    return envelope.envelope(200, [document], 1)


@blueprint.post("/forms/submit/<code>")
def submit_form(code: str) -> ResponseReturnValue:
    """`{"recipient": {...}}` starts a double opt-in; `info.count` is the requests accepted."""
    forms = backend().forms
    forms.get(code)  # an unknown form is a 404 whatever the body
    body = json_body()
    recipient = body.get("recipient") if isinstance(body, dict) else None
    if not isinstance(recipient, dict):
        raise bad_request('the body must be {"recipient": {...}} with a recipient object')
    result = forms.submit(code, recipient, confirm_url)
    return envelope.envelope(200, [{"result": result.as_json()}], result.accepted)


@blueprint.get("/forms/confirm/<token>")
def confirm_opt_in(token: str) -> ResponseReturnValue:
    """The link of the opt-in e-mail: subscribes the contact; following it again changes nothing."""
    confirmation = backend().forms.confirm(token)
    key = "message_subscribe_success" if confirmation.first_time else "message_subscribe_duplicate"
    page = CONFIRMATION_PAGE.format(message=escape(confirmation.form.messages[key]))
    return Response(page, 200, mimetype="text/html")
