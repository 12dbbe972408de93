"""`n2g-mock serve`: the mock on a production WSGI server (waitress)."""

import argparse
import ipaddress
import logging
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from mock_n2g.accounts_file import AccountsFileError, load_accounts
from mock_n2g.app import create_app
from mock_n2g.config import MockConfig
from mock_n2g.control import ControlPolicy
from mock_n2g.server import make_server

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
    serve.add_argument("--data", metavar="FILE", help="keep all state in this SQLite file")
    serve.add_argument(
        "--accounts", metavar="FILE", help="seed the accounts of this YAML or JSON file"
    )
    serve.add_argument(
        "--admin-token",
        default=os.environ.get("N2G_MOCK_ADMIN_TOKEN") or None,
        help="require this X-Mock-Admin-Token on the control API (env N2G_MOCK_ADMIN_TOKEN)",
    )
    serve.add_argument("--no-control", action="store_true", help="switch the control API off")
    serve.add_argument("--seed", type=int, help="seed of the mock's randomness (ids, tokens)")
    return parser


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def control_policy(host: str, admin_token: str | None, no_control: bool) -> ControlPolicy:
    """On by default on loopback; elsewhere only with an admin token; off with --no-control."""
    if no_control:
        return ControlPolicy(enabled=False)
    admin_token = admin_token or None  # an empty token would open the door to anyone
    if admin_token is None and not is_loopback(host):
        refusal = f"the control API on {host} needs --admin-token (or N2G_MOCK_ADMIN_TOKEN)"
        return ControlPolicy(refusal=refusal)
    return ControlPolicy(admin_token=admin_token)


def _config(args: argparse.Namespace) -> MockConfig:
    config = MockConfig(
        base_url=args.base_url,
        control=control_policy(args.host, args.admin_token, args.no_control),
        seed=args.seed,
        data_path=args.data,
    )
    if args.accounts:
        config.accounts = load_accounts(args.accounts)
    return config


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    host, port, threads = args.host, args.port, args.threads
    try:
        app = create_app(_config(args))
    except (AccountsFileError, ValueError) as error:
        print(f"n2g-mock: {error}", file=sys.stderr)
        return 2
    server = make_server(app, host=host, port=port, threads=threads, ident="n2g-mock")
    signal.signal(signal.SIGTERM, _stop)
    # a host that resolves to several addresses gets one socket each (waitress MultiSocketServer)
    listening = getattr(server, "effective_listen", None) or [(host, server.effective_port)]
    for bound_host, bound_port in listening:
        print(f"Newsletter2Go mock serving on {_url(bound_host, bound_port)}", flush=True)
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
        return serve(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
