"""The account's company (`/companies`) and user (`/users`)."""

from flask import Blueprint
from flask.typing import ResponseReturnValue

from mock_n2g.api import envelope, params
from mock_n2g.api.access import account, authenticate, backend, json_object
from mock_n2g.backend.paging import Page, slice_sequence

blueprint = Blueprint("profiles", __name__)
blueprint.before_request(authenticate)


@blueprint.get("/companies")
def list_companies() -> ResponseReturnValue:
    """The one company, in full and without `_href`, as the service shows it."""
    wanted = params.page_request()
    companies = [backend().profiles.company(account())]
    page = Page(slice_sequence(companies, wanted), len(companies))
    return envelope.collection("/companies", page, wanted, page.items)


@blueprint.patch("/companies/<company_id>")
def update_company(company_id: str) -> ResponseReturnValue:
    return envelope.affected(
        backend().profiles.update_company(account(), company_id, json_object())
    )


@blueprint.get("/users")
def list_users() -> ResponseReturnValue:
    wanted, view = params.page_request(), params.view()
    users = backend().profiles.users(account())
    page = Page(slice_sequence(users, wanted), len(users))
    items = (
        envelope.item(f"/users/{user['id']}", user["id"], _chosen(user, view))
        for user in page.items
    )
    return envelope.collection("/users", page, wanted, items)


@blueprint.get("/users/<user_id>")
def get_user(user_id: str) -> ResponseReturnValue:
    user = backend().profiles.user(account(), user_id)
    view = params.View(True, params.view().fields)
    return envelope.envelope(
        200, [envelope.item(f"/users/{user_id}", user_id, _chosen(user, view))], 1
    )


@blueprint.patch("/users/<user_id>")
def update_user(user_id: str) -> ResponseReturnValue:
    return envelope.affected(backend().profiles.update_user(account(), user_id, json_object()))


@blueprint.delete("/users/<user_id>")
def delete_user(user_id: str) -> ResponseReturnValue:
    return envelope.affected(backend().profiles.delete_user(account(), user_id))


def _chosen(record: dict, view: params.View) -> dict | None:
    if not view.detailed:
        return None
    if view.fields is None:
        return record
    return {name: record[name] for name in view.fields if name in record}
