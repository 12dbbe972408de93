"""`n2g-sync`: push portal events, reconcile a snapshot, check the customer's credentials.

Settings come from N2G_BASE_URL, N2G_AUTH_KEY, N2G_USERNAME and N2G_PASSWORD. Exit codes:
0 everything applied (or every check passed); 1 some items failed (see the summary; bad input
lines and refused items are kept as dead letters in the state); 2 usage or configuration
error; 3 the service refused the credentials (or developer mode is off); 4 the service could
not be reached or kept failing after retries.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from sync.checklist import check_credentials
from sync.client import AuthError, Client, ConfigError, Settings, Unavailable
from sync.engine import DEFAULT_BATCH_SIZE, Engine
from sync.portal import InputError, read_events, read_snapshot
from sync.reconcile import Reconciler
from sync.report import Summary
from sync.state import State, StateError

OK, ITEMS_FAILED, USAGE, AUTH, UNAVAILABLE = 0, 1, 2, 3, 4


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="n2g-sync", description="The PORTAL → Newsletter2Go interface."
    )
    parser.add_argument("--state", default="n2g-sync.sqlite", help="the sync's state file")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("-v", "--verbose", action="store_true", help="log each request")
    commands = parser.add_subparsers(dest="command", required=True)
    push = commands.add_parser("push", help="apply portal events (JSON lines)")
    push.add_argument("file", help="the events file, or - for standard input")
    reconcile = commands.add_parser("reconcile", help="make the account match a snapshot")
    reconcile.add_argument("--snapshot", required=True, help="the portal snapshot (JSON)")
    reconcile.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
    commands.add_parser("check-credentials", help="check the customer's duties of cooperation")
    return parser


@contextmanager
def _progress(total: int | None, label: str) -> Iterator[Any]:
    """A progress bar on a terminal for runs with many items; silent otherwise."""
    quiet = not sys.stderr.isatty() or (total is not None and total < 100)
    with tqdm(total=total, desc=label, disable=quiet, file=sys.stderr, unit="item") as bar:
        yield bar.update


def _read(path: str) -> TextIO:
    return sys.stdin if path == "-" else Path(path).open(encoding="utf-8")


def _record_input_errors(state: State, errors: list[InputError], summary: Summary) -> None:
    for error in errors:
        state.add_dead_letter(str(error), line=error.line, payload=error.raw)
        summary.fail(f"line {error.line}" if error.line else "input", str(error))


def _push(args: argparse.Namespace, client: Client, state: State) -> Summary:
    with _read(args.file) as stream:
        events, errors = read_events(stream)
    engine_summary: Summary
    with _progress(len(events), "events") as advance:
        engine = Engine(client, state, batch_size=args.batch_size, progress=advance)
        engine_summary = engine.push(events)
    _record_input_errors(state, errors, engine_summary)
    return engine_summary


def _reconcile(args: argparse.Namespace, client: Client, state: State) -> Summary:
    try:
        text = Path(args.snapshot).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read the snapshot: {error}") from None
    snapshot, errors = read_snapshot(text)
    with _progress(len(snapshot.subscriptions), "subscriptions") as advance:
        reconciler = Reconciler(client, state, batch_size=args.batch_size, progress=advance)
        summary = reconciler.run(snapshot, dry_run=args.dry_run, complete=not errors)
    if not args.dry_run:
        _record_input_errors(state, errors, summary)
    else:
        for error in errors:
            summary.fail(f"line {error.line}" if error.line else "input", str(error))
    return summary


def _emit(args: argparse.Namespace, data: dict[str, Any], lines: list[str]) -> None:
    if args.json:
        print(json.dumps(data, indent=2, sort_keys=True))
    else:
        print("\n".join(lines))


def _check(args: argparse.Namespace, settings: Settings, client: Client) -> int:
    checks = check_credentials(settings, client)
    passed = all(check.ok for check in checks) and len(checks) == 4
    _emit(
        args,
        {"ok": passed, "checks": [vars(check) for check in checks]},
        [check.line() for check in checks],
    )
    if passed:
        return OK
    return UNAVAILABLE if checks[0].name == "service reachable" and not checks[0].ok else AUTH


def account_fingerprint(settings: Settings) -> str:
    """Which account (and service) a state file belongs to, without keeping a secret."""
    client_id = settings.auth_key.partition(":")[0]
    identity = f"{settings.base_url.rstrip('/')}\n{client_id}\n{settings.username.lower()}"
    return hashlib.sha256(identity.encode()).hexdigest()


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if args.command == "check-credentials":
        return _check(args, settings, Client(settings))
    if args.batch_size < 1:
        raise ConfigError("--batch-size must be at least 1")
    state = State(args.state)
    try:
        fingerprint = account_fingerprint(settings)
        state.check_account(fingerprint)
        client = Client(settings, token_store=state)
        command = _push if args.command == "push" else _reconcile
        summary = command(args, client, state)
        state.bind_account(fingerprint)
    finally:
        state.close()
    _emit(args, summary.as_json(), summary.lines())
    return OK if summary.ok else ITEMS_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    if args.verbose:  # each request: the client logs them at DEBUG (the libraries stay at INFO)
        logging.getLogger("sync").setLevel(logging.DEBUG)
    try:
        return run(args)
    except (ConfigError, StateError) as error:
        print(f"n2g-sync: {error}", file=sys.stderr)
        return USAGE
    except AuthError as error:
        print(f"n2g-sync: {error}", file=sys.stderr)
        return AUTH
    except Unavailable as error:
        print(f"n2g-sync: {error}", file=sys.stderr)
        return UNAVAILABLE
    except OSError as error:
        print(f"n2g-sync: {error}", file=sys.stderr)
        return USAGE


if __name__ == "__main__":
    sys.exit(main())
