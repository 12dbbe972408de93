"""Benchmark 5: 100 changed subscriptions on top of an initial load of 100,000.

python -m benchmarks.sync_incremental [--subscriptions 100000] [--changes 100]

`n2g-mock serve` in its own process; first the initial load of benchmark 4 (`n2g-sync push`,
100,000 subscriptions over 5 newsletters), then, with the same state file, a second
`n2g-sync push` of 100 changes spread over the newsletters: 70 `subscription.updated` with a new
first name, 10 with a new e-mail address, 20 `subscription.cancelled`. The mock's journal is
cleared in between and counts the second run's requests. Target: requests proportional to the
changes, not to the account: at most one per change plus 3 (a login), and not a single read of a
list's contacts (`GET /lists/{id}/recipients`).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import Api, figure, finish, header, mock_server, verdict
from benchmarks.sync_initial import AT, initial_load, journal_summary, push, write_events


def changes(subscriptions: int, count: int) -> list[dict[str, Any]]:
    """`count` changes to subscriptions spread evenly over all of them."""
    step = max(1, subscriptions // count)
    events: list[dict[str, Any]] = []
    for index in range(count):
        number = index * step
        head = {"event_id": f"change-{index}", "at": AT, "subscription_id": f"S{number}"}
        share = index % 10
        if share < 7:
            events.append({"event": "subscription.updated", **head, "first_name": f"New{number}"})
        elif share < 8:
            email = f"moved{number:07d}@example.org"
            events.append({"event": "subscription.updated", **head, "email": email})
        else:
            events.append({"event": "subscription.cancelled", **head})
    return events


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sync_incremental")
    parser.add_argument("--subscriptions", type=int, default=100_000, help="the initial load")
    parser.add_argument("--changes", type=int, default=100, help="changed subscriptions")
    parser.add_argument("--batch-size", type=int, default=500, help="n2g-sync --batch-size")
    args = parser.parse_args(argv)
    header("Benchmark 5: sync incremental (n2g-sync push of changes against n2g-mock serve)")
    with tempfile.TemporaryDirectory() as temporary, mock_server() as server:
        folder = Path(temporary)
        api = Api(server.base_url)
        api.login()
        seconds, first, state = initial_load(api, folder, args.subscriptions, args.batch_size)
        figure(
            "initial load",
            f"{first['contacts_created']} contacts in {seconds:.1f} s, "
            f"{first['requests_sent']} requests",
        )
        events = folder / "changes.jsonl"
        write_events(events, changes(args.subscriptions, args.changes))
        api.clear_journal()
        seconds, summary = push(api.base_url, state, events, args.batch_size)
        journaled, kinds = journal_summary(api)
    reads = sum(n for kind, n in kinds.items() if kind.startswith("GET"))
    applied = summary["events_applied"]
    figure(
        "changes pushed",
        f"{args.changes} events, {applied} applied in {seconds:.2f} s "
        f"({summary['contacts_updated']} updated, "
        f"{summary['contacts_unsubscribed']} unsubscribed)",
    )
    figure(
        "requests",
        f"{summary['requests_sent']} sent by the sync, {journaled} in the "
        "mock's journal: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())),
    )
    allowed = args.changes + 3
    met = journaled <= allowed and reads == 0 and applied == args.changes and summary["ok"]
    detail = f"{journaled} requests for {args.changes} changes, {reads} reads"
    detail += f" (target <= {allowed}, 0 reads)"
    return finish([verdict("incremental requests", met, detail)])


if __name__ == "__main__":
    sys.exit(main())
