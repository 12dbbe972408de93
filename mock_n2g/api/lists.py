"""Address books: `/lists` and `/lists/{lid}`."""

from flask import Blueprint
from flask.typing import ResponseReturnValue

from mock_n2g.api import envelope, params
from mock_n2g.api.access import account, authenticate, backend, json_object
from mock_n2g.backend.lists import MailingList

blueprint = Blueprint("lists", __name__)
blueprint.before_request(authenticate)


def _item(mailing_list: MailingList, view: params.View) -> dict:
    fields = mailing_list.representation(view.fields) if view.detailed else None
    return envelope.item(f"/lists/{mailing_list.id}", mailing_list.id, fields)


@blueprint.get("/lists")
def list_lists() -> ResponseReturnValue:
    wanted, view = params.page_request(), params.view()
    page = backend().lists.page(account(), wanted)
    return envelope.collection("/lists", page, wanted, (_item(m, view) for m in page.items))


@blueprint.post("/lists")
def create_list() -> ResponseReturnValue:
    mailing_list = backend().lists.create(account(), json_object())
    return envelope.envelope(201, [_item(mailing_list, params.View(False, None))], 1)


@blueprint.get("/lists/<list_id>")
def get_list(list_id: str) -> ResponseReturnValue:
    view = params.view()
    mailing_list = backend().lists.get(account(), list_id)
    return envelope.envelope(200, [_item(mailing_list, params.View(True, view.fields))], 1)


@blueprint.patch("/lists/<list_id>")
def update_list(list_id: str) -> ResponseReturnValue:
    return envelope.affected(backend().lists.update(account(), list_id, json_object()))


@blueprint.delete("/lists/<list_id>")
def delete_list(list_id: str) -> ResponseReturnValue:
    return envelope.affected(backend().lists.delete(account(), list_id))
