"""Run every benchmark, one after the other, each in its own process.

python -m benchmarks.run_all [--output FILE] [NAME ...]

Prints each benchmark's figures and verdicts as they come, then one line per benchmark; with
`--output` the same text also goes to FILE. Exit status 0 when every target was met, 1 when one
was missed, 2 when a benchmark could not run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import ROOT

BENCHMARKS = {
    "throughput": "1. mock throughput vs. its ceiling",
    "pagination": "2. flat pagination and O(1) upserts",
    "memory": "3. memory of 100,000 contacts",
    "sync_initial": "4. sync initial load",
    "sync_incremental": "5. sync incremental",
    "journeys": "6. journey suite wall time",
}
OUTCOMES = {0: "all targets met", 1: "a target MISSED", 2: "could not run"}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run_all")
    parser.add_argument("names", nargs="*", help=f"of {', '.join(BENCHMARKS)}; default: all")
    parser.add_argument("--output", type=Path, help="also write everything printed to FILE")
    args = parser.parse_args(argv)
    names = args.names or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]!r}")
    printed: list[str] = []

    def say(line: str) -> None:
        print(line, flush=True)
        printed.append(line)

    statuses: dict[str, tuple[int, float]] = {}
    for name in names:
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", f"benchmarks.{name}"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert process.stdout is not None
        for line in process.stdout:
            say(line.rstrip("\n"))
        statuses[name] = (process.wait(), time.monotonic() - started)
    say("== Summary")
    for name, (status, seconds) in statuses.items():
        say(f"   {BENCHMARKS[name]}: {OUTCOMES.get(status, f'exit {status}')} ({seconds:.0f} s)")
    if args.output:
        args.output.write_text("\n".join(printed) + "\n", encoding="utf-8")
    return max(status for status, _ in statuses.values())


if __name__ == "__main__":
    sys.exit(main())
