"""Verify the pact against a provider at a base URL: the mock, or a customer's staging account.

    N2G_AUTH_KEY=... N2G_USERNAME=... N2G_PASSWORD=... \\
        python -m tests.contract.pact.verify --base-url https://api.newsletter2go.com

By default only the interactions that change nothing run (GETs and the token grants), and the
provider states are looked up in the account, never created. `--include-writes` runs every
interaction; `--mock` (an `n2g-mock serve`) also creates each state's data and resets the mock
through its control API after every interaction. Exit codes: 0 verified, 1 not verified,
2 a usage or configuration error. Secrets never reach the output.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pact import Verifier

from tests.contract.pact.contract import PACT_FILE, PROVIDER, READ_ONLY
from tests.contract.pact.states import (
    ProviderAccount,
    ProviderApi,
    ProviderStates,
    StateServer,
    states_of,
)

REQUIRED = ("N2G_AUTH_KEY", "N2G_USERNAME", "N2G_PASSWORD")
REDACTED = "<redacted>"
_SECRET_FIELDS = re.compile(r'("(?:access_token|refresh_token|password)"\s*:\s*)"[^"]*"')
_AUTH_VALUES = re.compile(r"\b(Bearer|Basic) [A-Za-z0-9._~+/=-]{12,}")


@dataclass(frozen=True)
class Failure:
    """One reason an interaction failed: a mismatch at `path`, or an error (path "")."""

    interaction: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        return f"{self.interaction}:{where} {self.message}"


@dataclass(frozen=True)
class Verification:
    passed: bool
    output: str  # the verifier's report without colours, secrets redacted
    interactions: list[str]  # descriptions of the interactions that ran
    failures: list[Failure] = field(default_factory=list)
    state_errors: list[str] = field(default_factory=list)


def redact(text: str, secrets: set[str]) -> str:
    """`text` without the known secrets, token fields or long Basic/Bearer values."""
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    text = _SECRET_FIELDS.sub(rf'\1"{REDACTED}"', text)
    return _AUTH_VALUES.sub(rf"\1 {REDACTED}", text)


@contextmanager
def _stdout_discarded() -> Iterator[None]:
    """The verifier prints its report, actual bodies included, straight to file descriptor 1."""
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def _failures(results: Mapping[str, Any], hide: Callable[[str], str]) -> list[Failure]:
    failures = []
    for result in results.get("interactionResults", []):
        if str(result.get("result")).lower() == "ok":
            continue
        description = result.get("description", "?")
        mismatch = result.get("mismatch") or {}
        for item in mismatch.get("mismatches") or []:
            message = item.get("mismatch") or item.get("type", "mismatch")
            failures.append(Failure(description, item.get("path", ""), hide(str(message))))
        if not mismatch.get("mismatches"):
            message = mismatch.get("message") or mismatch.get("type") or result.get("result")
            failures.append(Failure(description, "", hide(str(message))))
    return failures


def verify_provider(
    account: ProviderAccount,
    *,
    provision: bool,
    reset: Callable[[], None] | None = None,
    pact_file: Path = PACT_FILE,
    only: str | None = None,
) -> Verification:
    """Replay the pact's interactions (those whose description matches `only`) at the account."""
    # the verifier sends usage metrics unless this is exactly "true"; this project never wants it
    os.environ["PACT_DO_NOT_TRACK"] = "true"
    if not pact_file.is_file():
        raise FileNotFoundError(f"no pact file at {pact_file}: run the consumer tests first")
    states = ProviderStates(ProviderApi(account), provision=provision, reset=reset)
    host = urlsplit(account.base_url).hostname or "localhost"
    verifier = (
        Verifier(PROVIDER, host=host)
        .add_transport(url=account.base_url)
        .add_source(pact_file)
        .set_error_on_empty_pact(enabled=True)
    )
    if only:
        verifier.filter(only)
    with StateServer(states) as server:
        verifier.state_handler(server.url, teardown=True, body=True)
        try:
            with _stdout_discarded():
                verifier.verify()
            passed = True
        except RuntimeError:  # the FFI's way of saying "not verified"
            passed = False
        state_errors = server.errors
    secrets = states.secrets()
    results = verifier.results
    ran = [result.get("description", "?") for result in results.get("interactionResults", [])]
    return Verification(
        passed=passed and bool(results.get("result")),
        output=redact(verifier.output(strip_ansi=True), secrets),
        interactions=ran,
        failures=_failures(results, lambda text: redact(text, secrets)),
        state_errors=list(dict.fromkeys(redact(error, secrets) for error in state_errors)),
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.contract.pact.verify",
        description="Verify the n2g-sync pact against a Newsletter2Go base URL, with the account "
        "of N2G_AUTH_KEY, N2G_USERNAME and N2G_PASSWORD.",
    )
    parser.add_argument("--base-url", help="the provider (default: N2G_BASE_URL)")
    parser.add_argument("--pact", type=Path, default=PACT_FILE, help="the pact file")
    parser.add_argument(
        "--include-writes",
        action="store_true",
        help="also the interactions that create and change lists, attributes and contacts",
    )
    parser.add_argument(
        "--mock",
        action="store_true",
        help="the provider is an n2g-mock: create each state's data and reset the mock after "
        "every interaction (implies --include-writes; N2G_MOCK_ADMIN_TOKEN if it needs one)",
    )
    parser.add_argument(
        "--list-states",
        action="store_true",
        help="print the provider states each interaction needs, then exit",
    )
    return parser


def _list_states(pact_file: Path) -> int:
    pact = json.loads(pact_file.read_text(encoding="utf-8"))
    for description, states in states_of(pact):
        writes = "" if re.match(READ_ONLY, description) else "  [writes]"
        print(f"{description}{writes}")
        for state in states:
            print(f"    given {state}")
    return 0


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] = os.environ) -> int:
    args = _parser().parse_args(argv)
    if args.list_states:
        return _list_states(args.pact)
    missing = [name for name in REQUIRED if not env.get(name, "").strip()]
    if missing:
        print(
            f"verify: {', '.join(missing)} not set: the API credentials of the account to "
            "verify against come from N2G_AUTH_KEY, N2G_USERNAME and N2G_PASSWORD",
            file=sys.stderr,
        )
        return 2
    base_url = (args.base_url or env.get("N2G_BASE_URL", "")).strip().rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        print(
            "verify: give the provider as --base-url http(s)://... or N2G_BASE_URL", file=sys.stderr
        )
        return 2
    if ":" not in env["N2G_AUTH_KEY"]:
        print("verify: N2G_AUTH_KEY must have the form client_id:client_secret", file=sys.stderr)
        return 2
    account = ProviderAccount(
        base_url, env["N2G_AUTH_KEY"].strip(), env["N2G_USERNAME"].strip(), env["N2G_PASSWORD"]
    )
    reset = None
    if args.mock:
        from mock_n2g.testing import MockControl

        reset = MockControl(base_url, env.get("N2G_MOCK_ADMIN_TOKEN") or None).reset
        reset()
    try:
        result = verify_provider(
            account,
            provision=args.mock,
            reset=reset,
            pact_file=args.pact,
            only=None if args.mock or args.include_writes else READ_ONLY,
        )
    except FileNotFoundError as error:
        print(f"verify: {error}", file=sys.stderr)
        return 2
    print(result.output)
    for error in result.state_errors:
        print(f"provider state not set up: {error}")
    count = len(result.interactions)
    if result.passed:
        print(f"verify: the pact holds at {base_url} ({count} interactions)")
        return 0
    failed = len({failure.interaction for failure in result.failures})
    print(f"verify: the pact does NOT hold at {base_url}: {failed} of {count} interactions failed")
    for failure in result.failures:
        print(f"  - {failure}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
