"""Recipients: `/recipients`, `/lists/{lid}/recipients` and single recipients."""

from typing import Any

from flask import Blueprint
from flask.typing import ResponseReturnValue

from mock_n2g.api import envelope, params
from mock_n2g.api.access import account, authenticate, backend, json_body, json_object
from mock_n2g.backend.recipients import Recipient
from mock_n2g.errors import bad_request

blueprint = Blueprint("recipients", __name__)
blueprint.before_request(authenticate)


def recipient_item(
    recipient: Recipient, view: params.View, base: str | None = None
) -> dict[str, Any]:
    fields = None
    if view.detailed:
        # under the store's lock: a contact's attributes and its list's segments (its dynamic
        # `group_ids`) may change while another request writes
        with backend().store.lock:
            fields = recipient.representation(view.fields)
    return envelope.item(f"/recipients/{recipient.id}", recipient.id, fields, base=base)


def _page(path: str, list_id: str | None) -> ResponseReturnValue:
    wanted, view = params.page_request(), params.view()
    page = backend().recipients.page(account(), list_id, wanted)
    base = envelope.base_url()
    items = (recipient_item(r, view, base) for r in page.items)
    return envelope.collection(path, page, wanted, items, additional=page.extra)


def _one(recipient: Recipient) -> ResponseReturnValue:
    view = params.view()
    shown = recipient_item(recipient, params.View(True, view.fields))
    return envelope.envelope(
        200, [shown], 1, additional={"active": 0 if recipient.is_unsubscribed else 1}
    )


@blueprint.get("/recipients")
@blueprint.get("/recipients/global")
def list_all_recipients() -> ResponseReturnValue:
    return _page("/recipients", None)


@blueprint.get("/recipients/<recipient_id>")
def get_any_recipient(recipient_id: str) -> ResponseReturnValue:
    return _one(backend().recipients.get(account(), recipient_id))


@blueprint.post("/recipients")
def upsert_recipients() -> ResponseReturnValue:
    """One object answers 200, an array 201; invalid entries are reported, the rest saved."""
    body = json_body()
    if isinstance(body, dict):
        entries, status = [body], 200
    elif isinstance(body, list):
        entries, status = body, 201
    else:
        raise bad_request("the body must be a recipient object or an array of recipient objects")
    result = backend().recipients.upsert(account(), entries)
    no_fields = params.View(False, None)
    value = [recipient_item(recipient, no_fields) for recipient in result.recipients]
    return envelope.envelope(
        status, value, len(value), additional={"invalid_recipients": result.invalid}
    )


@blueprint.get("/lists/<list_id>/recipients")
def list_recipients(list_id: str) -> ResponseReturnValue:
    return _page(f"/lists/{list_id}/recipients", list_id)


@blueprint.patch("/lists/<list_id>/recipients")
def update_recipients(list_id: str) -> ResponseReturnValue:
    count = backend().recipients.update_where(
        account(), list_id, json_object(), params.filter_param()
    )
    return envelope.affected(count)


@blueprint.delete("/lists/<list_id>/recipients")
def delete_recipients(list_id: str) -> ResponseReturnValue:
    return envelope.affected(
        backend().recipients.delete_where(account(), list_id, params.filter_param())
    )


@blueprint.get("/lists/<list_id>/recipients/<recipient_id>")
def get_recipient(list_id: str, recipient_id: str) -> ResponseReturnValue:
    return _one(backend().recipients.get(account(), recipient_id, list_id))


@blueprint.patch("/lists/<list_id>/recipients/<recipient_id>")
def update_recipient(list_id: str, recipient_id: str) -> ResponseReturnValue:
    return envelope.affected(
        backend().recipients.update(account(), list_id, json_object(), recipient_id)
    )


@blueprint.delete("/lists/<list_id>/recipients/<recipient_id>")
def delete_recipient(list_id: str, recipient_id: str) -> ResponseReturnValue:
    return envelope.affected(backend().recipients.delete(account(), list_id, recipient_id))
