"""What the benchmarks share: server processes, an API client, contacts, wrk, verdicts."""

from __future__ import annotations

import math
import os
import platform
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import requests

from mock_n2g.backend.accounts import DEMO_AUTH_KEY, DEMO_PASSWORD, DEMO_USERNAME

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the virtualenv's scripts: n2g-mock, n2g-sync, pytest
PASSWORD_GRANT = "https://nl2go.com/jwt"  # noqa: S105 - a grant type, not a secret
URL_LINE = re.compile(r"serving on (http://\S+)")
TIMEOUT = 60
SEED_BATCH = 500  # contacts per POST when filling a list: the sync's own batch size


# reporting


def header(title: str) -> None:
    """The benchmark's name, when it ran and where."""
    print(f"== {title}")
    print(f"   {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}", flush=True)


def machine() -> str:
    cpus = os.cpu_count() or 0
    return f"{cpus} cores, Python {platform.python_version()}, {platform.system()}"


def figure(name: str, value: str) -> None:
    print(f"   {name}: {value}", flush=True)


def verdict(name: str, met: bool, detail: str) -> bool:
    """Print one target's outcome; returns whether it was met."""
    print(f"   [{'MET' if met else 'MISSED'}] {name}: {detail}", flush=True)
    return met


def finish(results: Sequence[bool]) -> int:
    """The exit status of a benchmark: 0 if every target was met, 1 otherwise."""
    return 0 if all(results) else 1


# processes


class Server:
    """A server subprocess that prints `... serving on http://host:port` when it is ready."""

    def __init__(self, argv: Sequence[str], env: dict[str, str] | None = None) -> None:
        self.argv = list(argv)
        self.env = {**os.environ, **(env or {})}
        self.base_url = ""
        self._process: subprocess.Popen[str] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def start(self, timeout: float = 30) -> Server:
        # the server's log (waitress warnings, tracebacks), closed in stop()
        self._log = tempfile.TemporaryFile()  # noqa: SIM115
        self._process = subprocess.Popen(
            self.argv,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=self.env,
            text=True,
            cwd=ROOT,
        )
        stdout = self._process.stdout
        assert stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([stdout], [], [], 0.5)
            if ready:
                line = stdout.readline()
                match = URL_LINE.search(line)
                if match:
                    self.base_url = match.group(1)
                    return self
                if not line and self._process.poll() is not None:
                    break
        self.stop()
        raise RuntimeError(f"{self.argv[0]} did not start: {self.log_tail()}")

    def log_tail(self, size: int = 2000) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode("utf-8", errors="replace")[-size:]

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process is not None and process.stdout is not None:
            process.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def mock_server(threads: int = 8) -> Server:
    """`n2g-mock serve` (waitress) on a free loopback port, with the demo account."""
    argv = [str(BIN / "n2g-mock"), "serve", "--port", "0", "--threads", str(threads)]
    return Server([*argv, "--seed", "1"])


def rss_mib(pid: int) -> float:
    """Resident memory of a process (VmRSS of /proc/PID/status) in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def demo_env(base_url: str) -> dict[str, str]:
    """The `N2G_*` settings of the sync for the mock's demo account."""
    return {
        "N2G_BASE_URL": base_url,
        "N2G_AUTH_KEY": DEMO_AUTH_KEY,
        "N2G_USERNAME": DEMO_USERNAME,
        "N2G_PASSWORD": DEMO_PASSWORD,
    }


# the API


def contact(number: int, prefix: str = "c") -> dict[str, Any]:
    """A contact with five fields, unique by `prefix` and `number`."""
    return {
        "email": f"{prefix}{number:07d}@example.org",
        "first_name": f"First{number}",
        "last_name": f"Last{number}",
        "gender": "f" if number % 2 else "m",
        "phone": f"+4930{number:09d}",
    }


class Api:
    """A small client of the mock's public API and its control API, as the demo account."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.token = ""

    def login(self) -> str:
        response = self.session.post(
            f"{self.base_url}/oauth/v2/token",
            auth=tuple(DEMO_AUTH_KEY.split(":", 1)),
            json={
                "username": DEMO_USERNAME,
                "password": DEMO_PASSWORD,
                "grant_type": PASSWORD_GRANT,
            },
            timeout=TIMEOUT,
        )
        response.raise_for_status()
        self.token = response.json()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {self.token}"
        return self.token

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        response = self.session.request(method, f"{self.base_url}{path}", timeout=TIMEOUT, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response

    def create_list(self, name: str) -> str:
        return self.call("POST", "/lists", json={"name": name}).json()["value"][0]["id"]

    def fill(self, list_id: str, count: int, prefix: str = "c", batch: int = SEED_BATCH) -> None:
        """Add `count` new contacts with five fields to the list, `batch` per request."""
        for start in range(0, count, batch):
            numbers = range(start, min(start + batch, count))
            body = [{**contact(n, prefix), "list_id": list_id} for n in numbers]
            self.call("POST", "/recipients", json=body)

    def journal(self, **filters: str) -> list[dict[str, Any]]:
        return self.call("GET", "/_mock/requests", params=filters).json()["requests"]

    def clear_journal(self) -> None:
        self.call("DELETE", "/_mock/requests")


# measuring


def interleaved(
    candidates: dict[str, Callable[[], object]],
    calls: int,
    rounds: int,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, float]:
    """Median seconds per call of each candidate, the candidates taking turns every round.

    Taking turns spreads the machine's noise over all candidates alike: ratios of the results
    are what one run can compare.
    """
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, run in candidates.items():
            started = clock()
            for _ in range(calls):
                run()
            times[name].append((clock() - started) / calls)
    return {name: statistics.median(values) for name, values in times.items()}


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """`with stopwatch() as elapsed:` ... `elapsed[0]` holds the seconds afterwards."""
    elapsed: list[float] = []
    started = time.perf_counter()
    try:
        yield elapsed
    finally:
        elapsed.append(time.perf_counter() - started)


# wrk


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    rps: float
    latency_ms: float
    errors: int  # socket errors and non-2xx answers
    cpu_us: float  # the server process's CPU time per request (all its threads), µs

    def __str__(self) -> str:
        return (
            f"{self.rps:.0f} req/s, {self.cpu_us:.0f} µs server CPU/request, "
            f"latency {self.latency_ms:.2f} ms, errors {self.errors}"
        )


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process used so far, all threads (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def _latency_ms(output: str) -> float:
    match = re.search(r"Latency\s+([\d.]+)(us|ms|s)\b", output)
    if not match:
        return math.nan
    value, unit = float(match.group(1)), match.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(
    url: str,
    *,
    pid: int,
    seconds: float,
    connections: int,
    script: Path | None = None,
    headers: Sequence[str] = (),
    args: Sequence[str] = (),
) -> WrkResult:
    """One wrk run (one thread) against `url`, served by process `pid`; `args` go to the script."""
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s"]
    for line in headers:
        argv += ["-H", line]
    if script is not None:
        argv += ["-s", str(script)]
    argv.append(url)
    if args:
        argv += ["--", *args]
    cpu_before = cpu_seconds(pid)
    output = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=120).stdout
    cpu = cpu_seconds(pid) - cpu_before
    done = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not done or not rps:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    unit = {"ms": 0.001, "s": 1.0, "m": 60.0}[done.group(3)]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors += int(non2xx.group(1)) if non2xx else 0
    return WrkResult(
        requests=int(done.group(1)),
        seconds=float(done.group(2)) * unit,
        rps=float(rps.group(1)),
        latency_ms=_latency_ms(output),
        errors=errors,
        cpu_us=cpu / max(1, int(done.group(1))) * 1e6,
    )
