"""`n2g-mock serve`: the mock on a production WSGI server (waitress)."""

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from waitress.server import create_server

from mock_n2g.app import create_app
from mock_n2g.config import MockConfig

DEFAULT_THREADS = 8


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="n2g-mock", description="A mock of the Newsletter2Go API."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the mock over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port to bind; 0 picks a free one")
    serve.add_argument(
        "--base-url", help="public base URL for `_href` links (default: the request's own URL)"
    )
    serve.add_argument("--threads", type=int, default=DEFAULT_THREADS, help="worker threads")
    return parser


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve(host: str, port: int, base_url: str | None, threads: int) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = create_app(MockConfig(base_url=base_url))
    server = create_server(app, host=host, port=port, threads=threads, ident="n2g-mock")
    signal.signal(signal.SIGTERM, _stop)
    print(f"Newsletter2Go mock serving on {_url(host, server.effective_port)}", flush=True)
    for account in app.extensions["n2g_backend"].accounts():
        codes = ", ".join(account.forms)
        print(f"account {account.spec.username}: form code {codes}", flush=True)
    try:
        server.run()  # returns on Ctrl-C (waitress catches it) and on SIGTERM (see _stop)
    finally:
        server.close()
    print("Newsletter2Go mock stopped", flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return serve(args.host, args.port, args.base_url, args.threads)
    return 2


if __name__ == "__main__":
    sys.exit(main())
