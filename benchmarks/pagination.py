"""Benchmark 2: flat pagination and O(1) upserts in a list of 100,000 contacts.

python -m benchmarks.pagination [--contacts 100000] [--rounds 5]

Two levels, each a ratio of costs measured by turns in one run:
- backend (in this process, no HTTP: what the index costs): `RecipientService.page` of the
  first and of the last page (`_limit=50`), and `RecipientService.upsert` of one new contact
  into the 100,000-contact list and into an empty one (a fresh list every round);
- HTTP (`n2g-mock serve` in its own process, one keep-alive client): GET
  /lists/{lid}/recipients?_limit=50 with `_offset=0` and with the last offset, and POST
  /recipients with one new contact into the big and into an empty list.
Targets: the last page costs at most 1.5x the first; an upsert into the big list at most 1.5x
one into an empty list. The compared calls take turns in short blocks (100 backend calls, 10
requests); a cost is the median of the blocks' thread CPU time per call (backend) or wall time
per request (HTTP).
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from collections.abc import Callable, Sequence

from benchmarks.common import (
    Api,
    contact,
    figure,
    finish,
    header,
    interleaved,
    mock_server,
    verdict,
)
from mock_n2g.backend import AccountSpec, Backend
from mock_n2g.backend.paging import PageRequest

TARGET = 1.5
LIMIT = 50
TURNS = 20  # the compared calls take turns in short blocks, 20 times a round


def _compare(title: str, costs: dict[str, float], unit: float, label: str) -> bool:
    (base_name, base), (name, cost) = costs.items()
    for key, value in costs.items():
        figure(f"{title}: {key}", f"{value / unit:.1f} {label}")
    ratio = cost / base
    return verdict(title, ratio <= TARGET, f"{name} / {base_name} = {ratio:.2f}x (target <= 1.5x)")


def backend_level(contacts: int, rounds: int) -> list[bool]:
    spec = AccountSpec(auth_key="bench:bench", username="bench@example.org", password="bench")  # noqa: S106
    backend = Backend([spec], seed=1)
    account = backend.accounts()[0]
    service = backend.recipients
    big = backend.lists.create(account, {"name": "Big"})
    for start in range(0, contacts, 5000):
        entries = [
            {**contact(n), "list_id": big.id} for n in range(start, min(start + 5000, contacts))
        ]
        service.upsert(account, entries)
    last_offset = max(0, contacts - LIMIT)
    pages = interleaved(
        {
            "first page": lambda: service.page(account, big.id, PageRequest(LIMIT, 0)),
            "last page": lambda: service.page(account, big.id, PageRequest(LIMIT, last_offset)),
        },
        calls=100,
        rounds=rounds * TURNS,
        clock=time.thread_time,
    )
    numbers = itertools.count()

    def into(list_id: str) -> Callable[[], object]:
        return lambda: service.upsert(
            account, [{**contact(next(numbers), "u"), "list_id": list_id}]
        )

    upserts: dict[str, list[float]] = {"into an empty list": [], "into the big list": []}
    for number in range(rounds):
        empty = backend.lists.create(account, {"name": f"Empty {number}"}).id
        costs = interleaved(
            {"into an empty list": into(empty), "into the big list": into(big.id)},
            calls=100,
            rounds=TURNS,
            clock=time.thread_time,
        )
        for name, cost in costs.items():
            upserts[name].append(cost)
    upsert_costs = {name: statistics.median(v) for name, v in upserts.items()}
    return [
        _compare("backend page", pages, 1e-6, "µs CPU per call"),
        _compare("backend upsert", upsert_costs, 1e-6, "µs CPU per call"),
    ]


def http_level(contacts: int, rounds: int) -> list[bool]:
    with mock_server() as server:
        api = Api(server.base_url)
        api.login()
        big = api.create_list("Big")
        api.fill(big, contacts)
        api.clear_journal()
        path = f"/lists/{big}/recipients"
        last_offset = max(0, contacts - LIMIT)

        def page(offset: int) -> Callable[[], object]:
            return lambda: api.call("GET", path, params={"_limit": LIMIT, "_offset": offset})

        pages = interleaved(
            {"first page": page(0), "last page": page(last_offset)},
            calls=10,
            rounds=rounds * TURNS,
            clock=time.perf_counter,
        )
        numbers = itertools.count()

        def upsert(list_id: str) -> Callable[[], object]:
            return lambda: api.call(
                "POST", "/recipients", json={**contact(next(numbers), "h"), "list_id": list_id}
            )

        upserts: dict[str, list[float]] = {"into an empty list": [], "into the big list": []}
        for number in range(rounds):
            empty = api.create_list(f"Empty {number}")
            costs = interleaved(
                {"into an empty list": upsert(empty), "into the big list": upsert(big)},
                calls=10,
                rounds=TURNS,
                clock=time.perf_counter,
            )
            for name, cost in costs.items():
                upserts[name].append(cost)
        upsert_costs = {name: statistics.median(v) for name, v in upserts.items()}
        return [
            _compare("HTTP page", pages, 1e-3, "ms per request"),
            _compare("HTTP upsert", upsert_costs, 1e-3, "ms per request"),
        ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pagination")
    parser.add_argument("--contacts", type=int, default=100_000, help="contacts in the big list")
    parser.add_argument("--rounds", type=int, default=5, help="turns of the compared calls")
    args = parser.parse_args(argv)
    header("Benchmark 2: flat pagination and O(1) upserts")
    figure(
        "list",
        f"{args.contacts} contacts, pages of {LIMIT}, last offset {max(0, args.contacts - LIMIT)}",
    )
    results = backend_level(args.contacts, args.rounds)
    results += http_level(args.contacts, args.rounds)
    return finish(results)


if __name__ == "__main__":
    sys.exit(main())
