"""Mailings: `/lists/{lid}/newsletters`, `/newsletters/{nid}` and its versions and sends."""

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from mock_n2g.api import envelope, params
from mock_n2g.api.access import account, authenticate, backend, json_object
from mock_n2g.backend.mailing_records import Mailing
from mock_n2g.backend.paging import Page, PageRequest

blueprint = Blueprint("mailings", __name__)
blueprint.before_request(authenticate)


def _item(mailing: Mailing, view: params.View) -> dict[str, Any]:
    fields = mailing.representation(view.fields) if view.detailed else None
    return envelope.item(f"/newsletters/{mailing.id}", mailing.id, fields)


def _links(path: str, page: Page[Any], wanted: PageRequest) -> dict[str, str]:
    """The usual links, plus `_last` next to `_next`: the offset of the last `_limit` records
    (`count - _limit`), as the collection's examples show (75 mailings: `_offset=25`)."""
    links = envelope.page_links(path, page, wanted)
    if "_next" in links:
        echoed = [
            (name, request.args[name]) for name in envelope.ECHOED_PARAMS if name in request.args
        ]
        query = urlencode(
            [("_limit", wanted.limit), ("_offset", page.total - wanted.limit), *echoed]
        )
        links["_last"] = envelope.href(f"{path}?{query}")
    return links


@blueprint.get("/lists/<list_id>/newsletters")
def list_mailings(list_id: str) -> ResponseReturnValue:
    wanted, view = params.page_request(), params.view()
    page = backend().mailings.page(account(), list_id, wanted)
    path = f"/lists/{list_id}/newsletters"
    items = [_item(mailing, view) for mailing in page.items]
    return envelope.envelope(
        200, items, page.total, links=_links(path, page, wanted), additional=page.extra
    )


@blueprint.post("/lists/<list_id>/newsletters")
def create_mailing(list_id: str) -> ResponseReturnValue:
    mailing = backend().mailings.create(account(), list_id, json_object())
    return envelope.envelope(201, [_item(mailing, params.View(False, None))], 1, additional={})


@blueprint.get("/newsletters/<newsletter_id>")
def get_mailing(newsletter_id: str) -> ResponseReturnValue:
    view = params.view()
    mailing = backend().mailings.get(account(), newsletter_id)
    return envelope.envelope(
        200, [_item(mailing, params.View(True, view.fields))], 1, additional={}
    )


@blueprint.patch("/newsletters/<newsletter_id>")
def update_mailing(newsletter_id: str) -> ResponseReturnValue:
    return envelope.affected(backend().mailings.update(account(), newsletter_id, json_object()))


@blueprint.get("/newsletters/<newsletter_id>/versions")
def list_versions(newsletter_id: str) -> ResponseReturnValue:
    """Each item's `_href` is `/newsletter/{nid}/version` (singular, no version id): the
    collection documents it so."""
    wanted, view = params.page_request(), params.view()
    page = backend().mailings.versions(account(), newsletter_id, wanted)
    version_href = f"/newsletter/{newsletter_id}/version"
    items = [
        envelope.item(version_href, v.id, v.representation(view.fields) if view.detailed else None)
        for v in page.items
    ]
    return envelope.collection(f"/newsletters/{newsletter_id}/versions", page, wanted, items)


@blueprint.post("/newsletters/<newsletter_id>/sendtest")
def send_test(newsletter_id: str) -> ResponseReturnValue:
    sent = backend().mailings.send_test(account(), newsletter_id, json_object())
    return envelope.envelope(200, [{"message": f"send test-mail to {sent} recipients"}], 1)


@blueprint.post("/newsletters/<newsletter_id>/send")
def send(newsletter_id: str) -> ResponseReturnValue:
    backend().mailings.send(account(), newsletter_id, json_object())
    return envelope.envelope(200, [{"success": True}], 1)
