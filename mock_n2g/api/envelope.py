"""The service's response envelope and `_href` links, built from the mock's own base URL."""

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from flask import Response, current_app, jsonify, request

from mock_n2g.backend.paging import Page, PageRequest

ECHOED_PARAMS = ("_filter", "_expand", "_fields")
BASE_URL_KEY = "n2g_mock.base_url"  # environ: the request's base URL, worked out once
# what werkzeug's `url_root` is made of; it costs ~10 µs, so it is worked out once per value
ROOT_INPUTS = ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME")
KNOWN_ROOTS = 64  # the Host header is the client's: remember only so many
_roots: dict[tuple[Any, ...], str] = {}


def base_url() -> str:
    """The configured base URL, else the request's own; once per request (a page has 50 links)."""
    environ = request.environ
    base = environ.get(BASE_URL_KEY)
    if base is None:
        base = current_app.config.get("N2G_BASE_URL") or _request_root(environ)
        environ[BASE_URL_KEY] = base
    return base


def _request_root(environ: dict[str, Any]) -> str:
    inputs = tuple(environ.get(name) for name in ROOT_INPUTS)
    root = _roots.get(inputs)
    if root is None:
        root = request.url_root.rstrip("/")
        if len(_roots) < KNOWN_ROOTS:
            _roots[inputs] = root
    return root


def href(path: str) -> str:
    return f"{base_url()}{path}"


def item(
    path: str, record_id: str, fields: Mapping[str, Any] | None = None, *, base: str | None = None
) -> dict[str, Any]:
    """An item as the service lists it: `_href` and `id` first, then its fields.

    A page passes `base` (its `base_url()`), so its items need not look it up one by one.
    """
    link = f"{base}{path}" if base is not None else href(path)
    shown: dict[str, Any] = {"_href": link, "id": record_id}
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
    args = request.args
    echoed = urlencode([(name, args[name]) for name in ECHOED_PARAMS if name in args])

    def link(offset: int) -> str:
        query = f"_limit={wanted.limit}&_offset={offset}"  # what urlencode makes of two ints
        return href(f"{path}?{query}&{echoed}" if echoed else f"{path}?{query}")

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
