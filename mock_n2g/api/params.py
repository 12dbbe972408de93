"""The common GET parameters: `_limit`, `_offset`, `_expand`, `_fields`, `_filter`."""

import re
from dataclasses import dataclass

from flask import request

from mock_n2g import fiql
from mock_n2g.backend.paging import DEFAULT_LIMIT, PageRequest
from mock_n2g.errors import bad_request

TRUE_WORDS = {"true", "1"}
FALSE_WORDS = {"false", "0", ""}
COUNT = re.compile(r"[0-9]{1,18}")
MAX_LIMIT = 100_000  # a page is built in one answer: an absurd size is a client bug, a 400


@dataclass(frozen=True)
class View:
    """Which fields the client wants: only `_href`/`id`, the default set, or a chosen list."""

    expand: bool
    fields: list[str] | None

    @property
    def detailed(self) -> bool:
        return self.expand or self.fields is not None


def _count(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not COUNT.fullmatch(raw):
        raise bad_request(f"{name} must be a non-negative integer, got {raw!r}")
    return int(raw)


def page_request() -> PageRequest:
    limit = _count("_limit", DEFAULT_LIMIT)
    if limit > MAX_LIMIT:
        raise bad_request(f"_limit must be at most {MAX_LIMIT}, got {limit}")
    return PageRequest(limit=limit, offset=_count("_offset", 0), filter=filter_param())


def filter_param() -> fiql.Filter | None:
    raw = request.args.get("_filter")
    if raw is None or not raw.strip():
        return None
    try:
        return fiql.parse(raw)
    except fiql.FilterError as error:
        raise bad_request(f"invalid _filter: {error}") from None


def view() -> View:
    raw_expand = request.args.get("_expand", "").strip().lower()
    if raw_expand not in TRUE_WORDS | FALSE_WORDS:
        raise bad_request(f"_expand must be true or false, got {raw_expand!r}")
    raw_fields = request.args.get("_fields")
    fields = None
    if raw_fields is not None and raw_fields.strip():
        fields = [name.strip() for name in raw_fields.split(",") if name.strip()]
    return View(expand=raw_expand in TRUE_WORDS, fields=fields)
