"""Benchmark 4: the sync's initial load, 10,000 (and 100,000) subscriptions over 5 newsletters.

python -m benchmarks.sync_initial [--sizes 10000,100000] [--batch-size 500]

End to end: `n2g-sync push events.jsonl` as its own process (the CLI as a customer runs it, with
its SQLite state) against `n2g-mock serve` in another, both on this machine. The events: five
`newsletter.created`, then the subscriptions with e-mail, first and last name and gender, the
newsletters taking turns (a portal's export order, not grouped by newsletter). Requests are
counted twice: the sync's own `requests_sent` and the mock's request journal. Targets (for every
size): at most ceil(subscriptions / batch) + 5 + 3 requests, at least 3,000 contacts per second
(subscriptions / wall time of the push, process start to exit).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import (
    BIN,
    Api,
    demo_env,
    figure,
    finish,
    header,
    mock_server,
    stopwatch,
    verdict,
)

NEWSLETTERS = 5
MIN_RATE = 3000
AT = "2024-05-01T08:00:00Z"


def newsletter_events(newsletters: int = NEWSLETTERS) -> list[dict[str, Any]]:
    return [
        {
            "event": "newsletter.created",
            "event_id": f"nl-{k}",
            "at": AT,
            "newsletter_id": f"N{k}",
            "name": f"Benchmark newsletter {k}",
        }
        for k in range(newsletters)
    ]


def subscription(number: int, newsletters: int = NEWSLETTERS) -> dict[str, Any]:
    """Subscription `number`, in newsletter `number % newsletters`."""
    return {
        "event": "subscription.created",
        "event_id": f"sub-{number}",
        "at": AT,
        "subscription_id": f"S{number}",
        "newsletter_id": f"N{number % newsletters}",
        "email": f"reader{number:07d}@example.org",
        "first_name": f"First{number}",
        "last_name": f"Last{number}",
        "gender": "f" if number % 2 else "m",
    }


def write_events(path: Path, events: Sequence[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as stream:
        for event in events:
            stream.write(json.dumps(event) + "\n")


def push(base_url: str, state: Path, events: Path, batch_size: int) -> tuple[float, dict]:
    """`n2g-sync push` as its own process: seconds it took and its JSON summary."""
    argv = [str(BIN / "n2g-sync"), "--state", str(state), "--json"]
    argv += ["--batch-size", str(batch_size), "push", str(events)]
    with stopwatch() as elapsed:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            env={**os.environ, **demo_env(base_url)},
            timeout=600,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"n2g-sync push failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed[0], json.loads(done.stdout)


def journal_summary(api: Api) -> tuple[int, Counter[str]]:
    """Requests in the mock's journal, and how many per method and first path segment."""
    entries = api.journal()
    kinds = Counter(f"{e['method']} /{e['path'].split('/')[1]}" for e in entries)
    return len(entries), kinds


def contacts_in_lists(api: Api) -> int:
    lists = api.call("GET", "/lists", params={"_limit": 100}).json()["value"]
    total = 0
    for item in lists:
        page = api.call("GET", f"/lists/{item['id']}/recipients", params={"_limit": 1})
        total += page.json()["info"]["count"]
    return total


def initial_load(
    api: Api, folder: Path, subscriptions: int, batch_size: int
) -> tuple[float, dict, Path]:
    """Push the initial load into the mock behind `api`; returns seconds, summary, state file."""
    events = folder / f"initial-{subscriptions}.jsonl"
    write_events(events, [*newsletter_events(), *(subscription(n) for n in range(subscriptions))])
    state = folder / f"state-{subscriptions}.sqlite"
    api.clear_journal()
    seconds, summary = push(api.base_url, state, events, batch_size)
    return seconds, summary, state


def measure(subscriptions: int, batch_size: int) -> list[bool]:
    with tempfile.TemporaryDirectory() as folder, mock_server() as server:
        api = Api(server.base_url)
        api.login()
        seconds, summary, _ = initial_load(api, Path(folder), subscriptions, batch_size)
        journaled, kinds = journal_summary(api)
        stored = contacts_in_lists(api)
    allowed = math.ceil(subscriptions / batch_size) + NEWSLETTERS + 3
    rate = subscriptions / seconds
    title = f"{subscriptions} subscriptions"
    figure(f"{title}: push took", f"{seconds:.1f} s, {rate:.0f} contacts/s end to end")
    figure(f"{title}: contacts created", f"{summary['contacts_created']} (in the mock: {stored})")
    figure(
        f"{title}: requests",
        f"{summary['requests_sent']} sent by the sync, {journaled} in "
        f"the mock's journal: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())),
    )
    complete = stored == subscriptions == summary["contacts_created"] and summary["ok"]
    return [
        verdict(
            f"{title}: requests",
            journaled <= allowed and complete,
            f"{journaled} (target <= ceil({subscriptions}/{batch_size}) + 5 + 3 = {allowed})",
        ),
        verdict(
            f"{title}: rate", rate >= MIN_RATE, f"{rate:.0f} contacts/s (target >= {MIN_RATE})"
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sync_initial")
    parser.add_argument("--sizes", default="10000,100000", help="subscriptions, comma-separated")
    parser.add_argument("--batch-size", type=int, default=500, help="n2g-sync --batch-size")
    args = parser.parse_args(argv)
    header("Benchmark 4: sync initial load (n2g-sync push against n2g-mock serve)")
    results: list[bool] = []
    for size in (int(text) for text in args.sizes.split(",")):
        results += measure(size, args.batch_size)
    return finish(results)


if __name__ == "__main__":
    sys.exit(main())
