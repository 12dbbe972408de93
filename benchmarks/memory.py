"""Benchmark 3: what 100,000 contacts with five fields add to the mock's resident memory.

python -m benchmarks.memory [--contacts 100000] [--batch 500]

`n2g-mock serve` runs in its own process. After start-up and a warm-up (a login, a list, 1,000
contacts added and deleted, so code paths and caches are in place), its VmRSS is read from
/proc/PID/status; then the contacts (email, first_name, last_name, gender, phone) are added
through POST /recipients, `--batch` per request as the sync sends them, and VmRSS is read again.
The request journal keeps its default 10,000 entries. Target: at most 100 MiB added.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from benchmarks.common import (
    SEED_BATCH,
    Api,
    figure,
    finish,
    header,
    mock_server,
    rss_mib,
    stopwatch,
    verdict,
)

TARGET_MIB = 100


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory")
    parser.add_argument("--contacts", type=int, default=100_000, help="contacts to add")
    parser.add_argument("--batch", type=int, default=SEED_BATCH, help="contacts per request")
    args = parser.parse_args(argv)
    header("Benchmark 3: resident memory of 100,000 contacts")
    with mock_server() as server:
        api = Api(server.base_url)
        api.login()
        list_id = api.create_list("Memory")
        api.fill(list_id, 1000, prefix="warm", batch=args.batch)
        api.call("DELETE", f"/lists/{list_id}/recipients")
        api.clear_journal()
        before = rss_mib(server.pid)
        with stopwatch() as elapsed:
            api.fill(list_id, args.contacts, batch=args.batch)
        after = rss_mib(server.pid)
        count = api.call("GET", f"/lists/{list_id}/recipients", params={"_limit": 1}).json()
        stored = count["info"]["count"]
    added = after - before
    figure("contacts stored", f"{stored} (five fields each), {args.batch} per request")
    figure("filling took", f"{elapsed[0]:.1f} s ({args.contacts / elapsed[0]:.0f} contacts/s)")
    figure("VmRSS", f"{before:.1f} MiB before, {after:.1f} MiB after")
    figure("per contact", f"{added * 1024 * 1024 / max(1, stored):.0f} bytes")
    met = verdict(
        "memory",
        added <= TARGET_MIB and stored == args.contacts,
        f"{added:.1f} MiB added (target <= {TARGET_MIB} MiB)",
    )
    return finish([met])


if __name__ == "__main__":
    sys.exit(main())
