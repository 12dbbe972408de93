"""What a collection request asks for, and the page it gets."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from mock_n2g.errors import bad_request
from mock_n2g.fiql import Filter

DEFAULT_LIMIT = 50
T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    filter: Filter | None = None


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    extra: dict[str, Any] = field(default_factory=dict)


def require_known_fields(flt: Filter | None, known: Callable[[str], bool]) -> None:
    """A filter that names a field the resource does not have is a 400, as on the service."""
    if flt is None:
        return
    unknown = sorted(name for name in flt.field_names() if not known(name))
    if unknown:
        raise bad_request(f"unknown field {unknown[0]!r} in _filter")


def slice_sequence(records: Sequence[T], request: PageRequest) -> list[T]:
    """A page of an indexable sequence, without touching the records before or after it."""
    return list(records[request.offset : request.offset + request.limit])


def filter_page(
    records: Iterable[T], request: PageRequest, resolver: Callable[[T], Callable[[str], Any]]
) -> tuple[list[T], list[T]]:
    """Every record matching the filter, and the requested page of them."""
    assert request.filter is not None
    matches = request.filter.matches
    matching = [record for record in records if matches(resolver(record))]
    return matching, slice_sequence(matching, request)
