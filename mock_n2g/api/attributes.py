"""Attributes: `/attributes`, `/lists/{lid}/attributes`; items link to `/attribute/{id}` (sic)."""

from typing import Any

from flask import Blueprint
from flask.typing import ResponseReturnValue

from mock_n2g.api import envelope, params
from mock_n2g.api.access import account, authenticate, backend, json_object
from mock_n2g.backend.attributes import Attribute

blueprint = Blueprint("attributes", __name__)
blueprint.before_request(authenticate)


def _item(attribute: Attribute, view: params.View) -> dict[str, Any]:
    fields = attribute.representation(view.fields) if view.detailed else None
    # the service links attributes with the singular path, and serves it too
    return envelope.item(f"/attribute/{attribute.id}", attribute.id, fields)


@blueprint.get("/lists/<list_id>/attributes")
def list_attributes(list_id: str) -> ResponseReturnValue:
    wanted, view = params.page_request(), params.view()
    page = backend().attributes.page(account(), list_id, wanted)
    items = (_item(attribute, view) for attribute in page.items)
    return envelope.collection(f"/lists/{list_id}/attributes", page, wanted, items)


@blueprint.post("/attributes")
def create_attribute() -> ResponseReturnValue:
    attribute = backend().attributes.create(account(), json_object())
    return envelope.envelope(201, [_item(attribute, params.View(False, None))], 1)


@blueprint.get("/attributes/<attribute_id>")
@blueprint.get("/attribute/<attribute_id>")
def get_attribute(attribute_id: str) -> ResponseReturnValue:
    attribute = backend().attributes.get(account(), attribute_id)
    return envelope.envelope(200, [_item(attribute, params.View(True, params.view().fields))], 1)


@blueprint.patch("/attributes/<attribute_id>")
def update_attribute(attribute_id: str) -> ResponseReturnValue:
    return envelope.affected(backend().attributes.update(account(), attribute_id, json_object()))


@blueprint.delete("/lists/<list_id>/attributes/<attribute_id>")
def delete_attribute(list_id: str, attribute_id: str) -> ResponseReturnValue:
    return envelope.affected(backend().attributes.delete(account(), list_id, attribute_id))
