"""Where the journeys run: the embedded mock, a mock at a URL, or a customer's staging account."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

import pytest

from mock_n2g.testing import Credentials, MockControl, MockServer

TARGETS = ("mock", "url", "staging")
CREDENTIAL_VARIABLES = ("N2G_BASE_URL", "N2G_AUTH_KEY", "N2G_USERNAME", "N2G_PASSWORD")
DEMO = {  # the documented demo account of `n2g-mock serve`
    "N2G_AUTH_KEY": "mock_client_id:mock_client_secret",
    "N2G_USERNAME": "demo@example.org",
    "N2G_PASSWORD": "demo-password",
}


@dataclass
class Target:
    """Credentials of the account the journeys use, and the mock's control API if there is one."""

    kind: str
    credentials: Credentials
    control: MockControl | None
    server: MockServer | None = None

    @property
    def fast_retries(self) -> bool:
        """A local mock can be retried quickly; a real service gets the client's defaults."""
        return self.kind != "staging"

    def prepare(self) -> None:
        """Before a scenario: the embedded mock starts empty; shared accounts are left alone."""
        if self.server is not None:
            self.server.reset()


def staging_settings_problem(env: dict[str, str]) -> str | None:
    missing = [name for name in CREDENTIAL_VARIABLES if not env.get(name)]
    if missing:
        return (
            "--n2g-target=staging needs the staging account's settings in the environment: "
            + ", ".join(missing)
            + " missing (see the README: 'Self-test in your staging environment')"
        )
    return None


def open_target(kind: str, base_url: str | None) -> Target:
    env = dict(os.environ)
    if kind == "mock":
        server = MockServer().start()
        return Target(kind, server.credentials, server.control, server)
    if kind == "url":
        url = (base_url or env.get("N2G_BASE_URL") or "").rstrip("/")
        if not url:
            raise pytest.UsageError("--n2g-target=url needs --n2g-base-url (or N2G_BASE_URL)")
        values = {name: env.get(name) or DEMO[name] for name in DEMO}
        credentials = Credentials(
            url, values["N2G_AUTH_KEY"], values["N2G_USERNAME"], values["N2G_PASSWORD"]
        )
        control = MockControl(url, env.get("N2G_MOCK_ADMIN_TOKEN") or None)
        return Target(kind, credentials, control)
    problem = staging_settings_problem(env)
    if problem:
        raise pytest.UsageError(problem)
    credentials = Credentials(
        env["N2G_BASE_URL"].rstrip("/"),
        env["N2G_AUTH_KEY"],
        env["N2G_USERNAME"],
        env["N2G_PASSWORD"],
    )
    return Target(kind, credentials, None)


def run_tag() -> str:
    """A short tag unique to one scenario run, for the names of everything it creates."""
    return "QA" + secrets.token_hex(3)
