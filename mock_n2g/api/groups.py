"""Segments: `/groups`, `/lists/{lid}/groups` and their members."""

from typing import Any

from flask import Blueprint
from flask.typing import ResponseReturnValue

from mock_n2g.api import envelope, params
from mock_n2g.api.access import account, authenticate, backend, json_object
from mock_n2g.api.recipients import recipient_item
from mock_n2g.backend.groups import Group

blueprint = Blueprint("groups", __name__)
blueprint.before_request(authenticate)

MEMBERS = "/lists/<list_id>/groups/<group_id>/recipients"


def _item(group: Group, view: params.View) -> dict[str, Any]:
    fields = group.representation(view.fields) if view.detailed else None
    return envelope.item(f"/groups/{group.id}", group.id, fields)


@blueprint.get("/lists/<list_id>/groups")
def list_groups(list_id: str) -> ResponseReturnValue:
    wanted, view = params.page_request(), params.view()
    page = backend().groups.page(account(), list_id, wanted)
    items = (_item(group, view) for group in page.items)
    return envelope.collection(f"/lists/{list_id}/groups", page, wanted, items)


@blueprint.post("/groups")
def create_group() -> ResponseReturnValue:
    group = backend().groups.create(account(), json_object())
    return envelope.envelope(201, [_item(group, params.View(False, None))], 1)


@blueprint.get("/groups/<group_id>")
def get_group(group_id: str) -> ResponseReturnValue:
    group = backend().groups.get(account(), group_id)
    return envelope.envelope(200, [_item(group, params.View(True, params.view().fields))], 1)


@blueprint.patch("/groups/<group_id>")
def update_group(group_id: str) -> ResponseReturnValue:
    return envelope.affected(backend().groups.update(account(), group_id, json_object()))


@blueprint.delete("/groups/<group_id>")
def delete_group(group_id: str) -> ResponseReturnValue:
    return envelope.affected(backend().groups.delete(account(), group_id))


@blueprint.get(MEMBERS)
def list_members(list_id: str, group_id: str) -> ResponseReturnValue:
    wanted, view = params.page_request(), params.view()
    page = backend().groups.members_page(account(), list_id, group_id, wanted)
    base = envelope.base_url()
    items = (recipient_item(recipient, view, base) for recipient in page.items)
    path = f"/lists/{list_id}/groups/{group_id}/recipients"
    return envelope.collection(path, page, wanted, items, additional=page.extra)


@blueprint.post(f"{MEMBERS}/<recipient_id>")
def add_member(list_id: str, group_id: str, recipient_id: str) -> ResponseReturnValue:
    count = backend().groups.add_member(account(), list_id, group_id, recipient_id)
    return envelope.affected(count, status=201)


@blueprint.post(MEMBERS)
def add_members(list_id: str, group_id: str) -> ResponseReturnValue:
    count = backend().groups.add_where(account(), list_id, group_id, params.filter_param())
    return envelope.affected(count, status=201)


@blueprint.delete(f"{MEMBERS}/<recipient_id>")
def remove_member(list_id: str, group_id: str, recipient_id: str) -> ResponseReturnValue:
    return envelope.affected(
        backend().groups.remove_member(account(), list_id, group_id, recipient_id)
    )


@blueprint.delete(MEMBERS)
def remove_members(list_id: str, group_id: str) -> ResponseReturnValue:
    count = backend().groups.remove_where(account(), list_id, group_id, params.filter_param())
    return envelope.affected(count)
