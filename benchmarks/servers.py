"""The throughput benchmark's other servers: the ceiling app, and the mock on Flask's dev server.

python -m benchmarks.servers minimal --bodies BODIES.json [--server waitress|werkzeug]
python -m benchmarks.servers mock --server werkzeug

`minimal` is the least a Flask app on the same server can do: the three routes of the
benchmark, each answering a pre-built body (the mock's own answer, same size) without any
work. Each prints `... serving on URL` once it listens, like `n2g-mock serve`.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from flask import Flask, Response
from werkzeug.serving import make_server as make_dev_server

from mock_n2g.app import create_app
from mock_n2g.server import make_server

ROUTES = {  # body name → (method, rule)
    "page": ("GET", "/lists/<list_id>/recipients"),
    "upsert": ("POST", "/recipients"),
    "token": ("POST", "/oauth/v2/token"),
}


def minimal_app(bodies: dict[str, str]) -> Flask:
    """A Flask app answering each benchmark route with its pre-built body."""
    app = Flask("minimal", static_folder=None)
    for name, (method, rule) in ROUTES.items():
        body = bodies[name].encode()

        def answer(body: bytes = body, **_: str) -> Response:
            return Response(body, status=200, mimetype="application/json")

        app.add_url_rule(rule, name, answer, methods=[method])
    return app


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.servers")
    parser.add_argument("app", choices=("minimal", "mock"))
    parser.add_argument("--server", choices=("waitress", "werkzeug"), default="waitress")
    parser.add_argument("--bodies", help="JSON file: body text by route name (minimal only)")
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    args = parser.parse_args(argv)
    if args.app == "minimal":
        app = minimal_app(json.loads(Path(args.bodies).read_text()))
    else:
        app = create_app()  # as `n2g-mock serve` makes it: the demo account, control API on
    signal.signal(signal.SIGTERM, _stop)
    if args.server == "waitress":
        server = make_server(app, host="127.0.0.1", port=0, threads=args.threads)
        print(f"{args.app} serving on http://127.0.0.1:{server.effective_port}", flush=True)
        try:
            server.run()
        finally:
            server.close()
        return 0
    # what app.run(threaded=True) runs: werkzeug's threaded development server
    dev_server = make_dev_server("127.0.0.1", 0, app, threaded=True)
    print(f"{args.app} serving on http://127.0.0.1:{dev_server.port}", flush=True)
    try:
        dev_server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        dev_server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
