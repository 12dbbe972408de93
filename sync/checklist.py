"""The customer's duties of cooperation, checked one by one against the account."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from sync.client import AuthError, Client, N2GError, Settings, Unavailable


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str  # what was found, or what to fix

    def line(self) -> str:
        return f"[{'ok' if self.ok else 'FAIL'}] {self.name}: {self.detail}"


def check_credentials(settings: Settings, client: Client) -> list[Check]:
    """Service reachable, auth key accepted, username/password accepted, developer mode on."""
    checks: list[Check] = []
    try:
        requests.get(settings.base_url, timeout=settings.timeout)
    except requests.RequestException as error:
        reason = type(error).__name__
        checks.append(
            Check(
                "service reachable",
                False,
                f"no answer from {settings.base_url} ({reason}): check N2G_BASE_URL, the network"
                " and any proxy",
            )
        )
        return checks
    checks.append(Check("service reachable", True, settings.base_url))
    try:
        client.login()
    except AuthError as error:
        if error.which == "auth_key":
            checks.append(
                Check(
                    "auth key accepted",
                    False,
                    f"{error} — copy the auth key from the account's API tab into N2G_AUTH_KEY",
                )
            )
            return checks
        checks.append(Check("auth key accepted", True, "the service knows the auth key"))
        checks.append(
            Check(
                "username and password accepted",
                False,
                f"{error} — use the account's login in N2G_USERNAME and N2G_PASSWORD",
            )
        )
        return checks
    except (Unavailable, N2GError) as error:
        checks.append(Check("auth key accepted", False, f"the login did not complete: {error}"))
        return checks
    checks.append(Check("auth key accepted", True, "the service knows the auth key"))
    checks.append(Check("username and password accepted", True, "logged in"))
    try:
        user = client.current_user()
    except N2GError as error:
        checks.append(Check("developer mode on", False, f"the user could not be read: {error}"))
        return checks
    if user.get("is_developer_mode"):
        checks.append(Check("developer mode on", True, "the account's user has developer mode"))
    else:
        checks.append(
            Check(
                "developer mode on",
                False,
                "developer mode is off: switch it on in the account's settings (API tab), as the"
                " interface requires",
            )
        )
    return checks
