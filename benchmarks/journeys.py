"""Benchmark 6: wall time of the full journey suite against the embedded mock.

python -m benchmarks.journeys [--rounds 2]

`pytest tests/acceptance -p no:cacheprovider -q` (what `./harness journeys` runs, without its
report files) as its own process: serially, and with `-n 2` (pytest-xdist, two workers, each
with its own embedded mock). The two take turns, `--rounds` times; the figures are the median
wall times (process start to exit: interpreter, imports and collection included) and their
ratio. No target: reported.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from collections.abc import Sequence

from benchmarks.common import BIN, ROOT, figure, finish, header, stopwatch, verdict

VARIANTS = {"serial": [], "-n 2": ["-n", "2"]}


def run(extra: list[str]) -> tuple[float, str]:
    """One run of the journeys: seconds and pytest's last line."""
    argv = [str(BIN / "pytest"), "tests/acceptance", "-p", "no:cacheprovider", "-q", *extra]
    with stopwatch() as elapsed:
        done = subprocess.run(
            argv, capture_output=True, text=True, cwd=ROOT, timeout=600, check=False
        )
    lines = [line for line in done.stdout.splitlines() if re.search(r"\d+ (passed|failed)", line)]
    outcome = lines[-1].strip("= ") if lines else f"exit {done.returncode}"
    if done.returncode != 0:
        outcome += f" (exit {done.returncode})"
    return elapsed[0], outcome


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.journeys")
    parser.add_argument("--rounds", type=int, default=2, help="turns of serial and -n 2")
    args = parser.parse_args(argv)
    header("Benchmark 6: the journey suite, serial and with -n 2")
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    outcomes: dict[str, str] = {}
    for _ in range(args.rounds):
        for name, extra in VARIANTS.items():
            seconds, outcomes[name] = run(extra)
            times[name].append(seconds)
    for name, values in times.items():
        shown = ", ".join(f"{v:.1f}" for v in values)
        figure(name, f"{statistics.median(values):.1f} s wall (runs {shown}): {outcomes[name]}")
    ratio = statistics.median(times["-n 2"]) / statistics.median(times["serial"])
    figure("-n 2 / serial", f"{ratio:.2f}")
    passed = all("failed" not in text and "exit" not in text for text in outcomes.values())
    return finish([verdict("journeys pass (no time target)", passed, "; ".join(outcomes.values()))])


if __name__ == "__main__":
    sys.exit(main())
