"""The mock's own cost per request, without a server: its WSGI app called in this process.

python -m benchmarks.profile_app [--contacts 20000] [--calls 3000] [--rounds 5]
python -m benchmarks.profile_app --profile page|upsert|token

For the three routes of benchmark 1, the thread CPU time per request of the mock's app and of
the minimal app (`servers.minimal_app`), each called with a prepared WSGI environ; the best of
`--rounds` rounds (the least disturbed by other work on the machine). `--profile ROUTE` prints
where the mock's time goes instead (cProfile, top 25 by own time). A diagnostic, no target.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import itertools
import json
import pstats
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from flask import Flask
from werkzeug.test import EnvironBuilder

from benchmarks.common import contact, figure, header
from benchmarks.servers import minimal_app
from mock_n2g.app import create_app
from mock_n2g.backend.accounts import DEMO_AUTH_KEY, DEMO_PASSWORD, DEMO_USERNAME

LOGIN = {
    "username": DEMO_USERNAME,
    "password": DEMO_PASSWORD,
    "grant_type": "https://nl2go.com/jwt",
}
BASIC = "Basic " + base64.b64encode(DEMO_AUTH_KEY.encode()).decode()
Environ = dict[str, Any]


def _environ(path: str, method: str = "GET", body: bytes = b"", **headers: str) -> Environ:
    builder = EnvironBuilder(
        path=path, method=method, data=body, headers=headers, base_url="http://127.0.0.1:8080"
    )
    return builder.get_environ()


def _call(app: Flask, environ: Environ) -> None:
    answer: Iterable[bytes] = app(environ, lambda *args: None)
    for _ in answer:
        pass
    close = getattr(answer, "close", None)
    if close is not None:
        close()


def _prepared(contacts: int) -> tuple[Flask, dict[str, Callable[[], Environ]], dict[str, str]]:
    """The mock with a filled list, a maker of fresh environs per route, and its answers."""
    app = create_app()
    client = app.test_client()
    token = client.post("/oauth/v2/token", headers={"Authorization": BASIC}, json=LOGIN)
    bearer = f"Bearer {token.get_json()['access_token']}"
    created = client.post("/lists", json={"name": "Profile"}, headers={"Authorization": bearer})
    list_id = created.get_json()["value"][0]["id"]
    for start in range(0, contacts, 5000):
        numbers = range(start, min(start + 5000, contacts))
        body = [{**contact(n), "list_id": list_id} for n in numbers]
        client.post("/recipients", json=body, headers={"Authorization": bearer})
    page_path = f"/lists/{list_id}/recipients?_limit=50"
    login = json.dumps(LOGIN).encode()
    numbers = itertools.count()

    def upsert() -> Environ:
        one = {**contact(next(numbers), "p"), "list_id": list_id}
        return _environ(
            "/recipients",
            "POST",
            json.dumps(one).encode(),
            Authorization=bearer,
            Content_Type="application/json",
        )

    page_base = _environ(page_path, Authorization=bearer)
    token_base = _environ(
        "/oauth/v2/token", "POST", login, Authorization=BASIC, Content_Type="application/json"
    )
    makers: dict[str, Callable[[], Environ]] = {
        "page": lambda: {**page_base, "wsgi.input": io.BytesIO(b"")},
        "upsert": upsert,
        "token": lambda: {**token_base, "wsgi.input": io.BytesIO(login)},
    }
    bodies = {
        "page": client.get(page_path, headers={"Authorization": bearer}).get_data(as_text=True),
        "upsert": "{}",
        "token": "{}",
    }
    return app, makers, bodies


def _cost(app: Flask, make: Callable[[], Environ], calls: int, rounds: int) -> float:
    """Best thread CPU µs per request over the rounds (environs made outside the clock)."""
    best = float("inf")
    for _ in range(rounds):
        environs = [make() for _ in range(calls)]
        started = time.thread_time()
        for environ in environs:
            _call(app, environ)
        best = min(best, (time.thread_time() - started) / calls * 1e6)
    return best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_app")
    parser.add_argument("--contacts", type=int, default=20_000, help="contacts in the list")
    parser.add_argument("--calls", type=int, default=3000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", choices=("page", "upsert", "token"), help="cProfile a route")
    args = parser.parse_args(argv)
    app, makers, bodies = _prepared(args.contacts)
    if args.profile:
        environs = [makers[args.profile]() for _ in range(args.calls)]
        profiler = cProfile.Profile()
        profiler.enable()
        for environ in environs:
            _call(app, environ)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return 0
    header("The mock's WSGI app in process: thread CPU per request")
    minimal = minimal_app(bodies)
    for route, make in makers.items():
        mock_us = _cost(app, make, args.calls, args.rounds)
        minimal_us = _cost(minimal, make, args.calls, args.rounds)
        figure(route, f"mock {mock_us:.0f} µs, minimal app {minimal_us:.0f} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
