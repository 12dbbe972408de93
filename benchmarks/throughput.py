"""Benchmark 1: the mock's throughput against its ceiling, a minimal Flask app on waitress.

python -m benchmarks.throughput [--seconds 5] [--rounds 3] [--contacts 100000]

Load generator: wrk 4.1 (one thread, 8 keep-alive connections: as many as the servers'
threads), only against 127.0.0.1. Servers, each its own process, all measured in one run:
- the mock as `n2g-mock serve` (waitress, 8 threads) with a list of 100,000 contacts;
- the ceiling: a minimal Flask app on the same waitress server (8 threads) answering each route
  with a pre-built body, the mock's own answer to that route (same size);
- for comparison, the mock and the minimal app on werkzeug's threaded development server
  (what `app.run(threaded=True)` runs).
Routes: (a) GET /lists/{lid}/recipients?_limit=50, (b) POST /recipients with one new contact
(a new address every request), (c) POST /oauth/v2/token.
The mock and the minimal app take turns, `--rounds` runs each per route. Figures: the median
requests per second, and the server's CPU time per request (its /proc stat before and after a
run: steadier than req/s on a shared machine). Target: the mock reaches at least 80% of the
minimal app's requests per second on (a) and (b).
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import (
    Api,
    Server,
    WrkResult,
    figure,
    finish,
    header,
    mock_server,
    verdict,
    wrk,
    wrk_available,
)
from mock_n2g.backend.accounts import DEMO_AUTH_KEY, DEMO_PASSWORD, DEMO_USERNAME

TARGET = 0.80
THREADS = 8  # waitress threads of every server; wrk keeps as many connections open
LOGIN = {
    "username": DEMO_USERNAME,
    "password": DEMO_PASSWORD,
    "grant_type": "https://nl2go.com/jwt",
}
ONE_CONTACT = {
    "email": "sample@example.org",
    "first_name": "Ann",
    "last_name": "Lee",
    "gender": "f",
}
UPSERT_LUA = """
local counter = 0
local prefix = "w"
function init(args)
  prefix = args[1] or prefix
end
function request()
  counter = counter + 1
  local body = string.format(
    '{"email":"%s%d@example.org","first_name":"Ann","last_name":"Lee","gender":"f"}',
    prefix, counter)
  return wrk.format("POST", nil, nil, body)
end
"""
LOGIN_LUA = """
wrk.method = "POST"
wrk.body = {body}
"""
JSON = "Content-Type: application/json"
BASIC = "Authorization: Basic " + base64.b64encode(DEMO_AUTH_KEY.encode()).decode()


@dataclass
class Target:
    """A server under load, with the account's token and the big list where it has them."""

    label: str
    server: Server
    token: str = ""
    list_id: str = "none"
    runs: int = 0

    def run(self, route: str, seconds: float, scripts: dict[str, Path]) -> WrkResult:
        """One wrk run of a route; every upsert run sends addresses of its own."""
        self.runs += 1
        bearer = f"Authorization: Bearer {self.token}"
        if route == "page":
            path, headers, script = f"/lists/{self.list_id}/recipients?_limit=50", [bearer], None
        elif route == "upsert":
            path, headers, script = "/recipients", [bearer, JSON], scripts["upsert"]
        else:
            path, headers, script = "/oauth/v2/token", [BASIC, JSON], scripts["token"]
        prefix = f"{self.label[:4]}{self.runs}x"
        return wrk(
            f"{self.server.base_url}{path}",
            pid=self.server.pid,
            seconds=seconds,
            connections=THREADS,
            script=script,
            headers=headers,
            args=[prefix] if route == "upsert" else [],
        )


def _prepare(target: Target, contacts: int) -> Api:
    """Log in and fill a list with `contacts` contacts (the mock only)."""
    api = Api(target.server.base_url)
    target.token = api.login()
    target.list_id = api.create_list("Benchmark")
    api.fill(target.list_id, contacts)
    api.clear_journal()
    return api


def _bodies(api: Api, list_id: str) -> dict[str, str]:
    """The mock's own answers to the three routes: what the minimal app answers."""
    page = api.call("GET", f"/lists/{list_id}/recipients", params={"_limit": 50}).text
    upsert = api.call("POST", "/recipients", json=ONE_CONTACT).text
    token = api.session.post(
        f"{api.base_url}/oauth/v2/token",
        headers={"Authorization": BASIC.partition(": ")[2]},
        json=LOGIN,
        timeout=30,
    ).text
    return {"page": page, "upsert": upsert, "token": token}


def _scripts(folder: Path) -> dict[str, Path]:
    texts = {"upsert": UPSERT_LUA, "token": LOGIN_LUA.format(body=json.dumps(json.dumps(LOGIN)))}
    paths = {name: folder / f"{name}.lua" for name in texts}
    for name, text in texts.items():
        paths[name].write_text(text)
    return paths


def _summary(results: list[WrkResult]) -> tuple[float, float]:
    """Median requests per second and median server CPU µs per request."""
    return (
        statistics.median(r.rps for r in results),
        statistics.median(r.cpu_us for r in results),
    )


def _measure_route(
    route: str,
    mock: Target,
    minimal: Target,
    dev: list[Target],
    args: argparse.Namespace,
    scripts: dict[str, Path],
) -> bool | None:
    """Both waitress servers by turns, then each dev server once; the verdict if it has one."""
    for target in (mock, minimal):
        target.run(route, 1, scripts)  # warm-up
    runs: dict[str, list[WrkResult]] = {mock.label: [], minimal.label: []}
    for _ in range(args.rounds):
        for target in (mock, minimal):
            runs[target.label].append(target.run(route, args.seconds, scripts))
    for label, results in runs.items():
        rps, cpu = _summary(results)
        each = ", ".join(f"{r.rps:.0f}" for r in results)
        errors = sum(r.errors for r in results)
        figure(
            f"({route}) {label}",
            f"{rps:.0f} req/s (runs {each}), {cpu:.0f} µs CPU/request, errors {errors}",
        )
    for target in dev:
        figure(f"({route}) {target.label}", str(target.run(route, args.seconds, scripts)))
    mock_rps, mock_cpu = _summary(runs[mock.label])
    minimal_rps, minimal_cpu = _summary(runs[minimal.label])
    figure(f"({route}) CPU per request, minimal/mock", f"{minimal_cpu / mock_cpu:.0%}")
    ratio = mock_rps / minimal_rps
    detail = f"mock/minimal = {ratio:.0%} of the requests per second (target >= {TARGET:.0%})"
    if route == "token":
        figure(f"({route}) mock/minimal (no target)", f"{ratio:.0%}")
        return None
    return verdict(f"({route}) throughput", ratio >= TARGET, detail)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.throughput")
    parser.add_argument("--seconds", type=float, default=5, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each waitress server")
    parser.add_argument("--contacts", type=int, default=100_000, help="contacts in the list")
    args = parser.parse_args(argv)
    header("Benchmark 1: mock throughput vs. a minimal Flask app on the same server")
    if not wrk_available():
        print("   wrk is not installed (Debian: apt-get install -y wrk)", file=sys.stderr)
        return 2
    figure("load", f"wrk -t1 -c{THREADS}, {args.rounds} x {args.seconds:g} s per server and route")
    results: list[bool] = []
    module = [sys.executable, "-m", "benchmarks.servers"]
    with tempfile.TemporaryDirectory() as folder, mock_server(THREADS) as mock_process:
        mock = Target("mock, n2g-mock serve (waitress)", mock_process)
        api = _prepare(mock, args.contacts)
        bodies_file = Path(folder) / "bodies.json"
        bodies = _bodies(api, mock.list_id)
        bodies_file.write_text(json.dumps(bodies))
        sizes = ", ".join(f"{name} {len(body.encode())}" for name, body in bodies.items())
        figure("answer sizes, bytes", sizes)
        scripts = _scripts(Path(folder))
        minimal_argv = [*module, "minimal", "--bodies", str(bodies_file)]
        with (
            Server([*minimal_argv, "--threads", str(THREADS)]) as minimal_process,
            Server([*minimal_argv, "--server", "werkzeug"]) as minimal_dev_process,
            Server([*module, "mock", "--server", "werkzeug"]) as mock_dev_process,
        ):
            minimal = Target("minimal app, waitress", minimal_process)
            minimal.token, minimal.list_id = mock.token, mock.list_id
            mock_dev = Target("mock, werkzeug dev server", mock_dev_process)
            _prepare(mock_dev, args.contacts)
            minimal_dev = Target("minimal app, werkzeug dev server", minimal_dev_process)
            minimal_dev.token, minimal_dev.list_id = mock.token, mock.list_id
            for route in ("page", "upsert", "token"):
                outcome = _measure_route(
                    route, mock, minimal, [mock_dev, minimal_dev], args, scripts
                )
                if outcome is not None:
                    results.append(outcome)
    return finish(results)


if __name__ == "__main__":
    sys.exit(main())
