"""The service's response envelope and `_href` links, built from the mock's own base URL."""

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from flask import Response, current_app, jsonify, request

from mock_n2g.backend.paging import Page, PageRequest

ECHOED_PARAMS = ("_filter", "_expand", "_fields")


def base_url() -> str:
    return current_app.config.get("N2G_BASE_URL") or request.url_root.rstrip("/")


def href(path: str) -> str:
    return f"{base_url()}{path}"


def item(path: str, record_id: str, fields: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """An item as the service lists it: `_href` and `id` first, then its fields."""
    shown: dict[str, Any] = {"_href": href(path), "id": record_id}
    if fields:
        shown.update(fields)
    return shown


def envelope(
    status: int,
    value: list[Any],
    count: int,
    *,
    links: Mapping[str, str] | None = None,
    additional: Mapping[str, Any] | None = None,
) -> Response:
    info: dict[str, Any] = {}
    if links is not None:
        info["links"] = dict(links)
    info["count"] = count
    if additional is not None:
        info["additional"] = dict(additional)
    response = jsonify({"status": status, "info": info, "value": value})
    response.status_code = status
    return response


def affected(count: int, status: int = 200) -> Response:
    """What PATCH and DELETE answer: no value, the number of records affected."""
    return envelope(status, [], count)


def page_links(path: str, page: Page[Any], wanted: PageRequest) -> dict[str, str]:
    """`_href` repeats the query with `_limit`/`_offset`; `_next` when there is more."""
    echoed = [(name, request.args[name]) for name in ECHOED_PARAMS if name in request.args]

    def link(offset: int) -> str:
        query = urlencode([("_limit", wanted.limit), ("_offset", offset), *echoed])
        return href(f"{path}?{query}")

    links = {"_href": link(wanted.offset)}
    if wanted.offset + wanted.limit < page.total and wanted.limit > 0:
        links["_next"] = link(wanted.offset + wanted.limit)
    return links


def collection(
    path: str,
    page: Page[Any],
    wanted: PageRequest,
    items: Iterable[dict[str, Any]],
    *,
    additional: Mapping[str, Any] | None = None,
) -> Response:
    return envelope(
        200, list(items), page.total, links=page_links(path, page, wanted), additional=additional
    )
