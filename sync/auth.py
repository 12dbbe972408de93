"""Tokens of the Newsletter2Go API: password grant, refresh with rotation, persistence."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import requests

from sync.http import (
    REDACTED,
    AuthError,
    Redactor,
    Retryable,
    ServiceError,
    Settings,
    Transport,
    error_details,
    log,
)

TOKEN_PATH = "/oauth/v2/token"  # noqa: S105 - a path, not a secret
PASSWORD_GRANT = "https://nl2go.com/jwt"  # noqa: S105 - a grant type, not a secret
REFRESH_GRANT = "https://nl2go.com/jwt_refresh"
EXPIRY_MARGIN = 60.0
DEFAULT_LIFETIME = 7200


@dataclass(repr=False)
class Tokens:
    """What the token endpoint granted; `expires_at` is the access token's, in `now()` time."""

    access_token: str
    refresh_token: str
    expires_at: float
    account_id: str

    def __repr__(self) -> str:
        return (
            f"Tokens(account_id={self.account_id!r}, expires_at={self.expires_at!r}, "
            f"access_token={REDACTED}, refresh_token={REDACTED})"
        )


class TokenStore(Protocol):
    """Keeps tokens between runs, so a run needs no password grant while they are valid."""

    def load_tokens(self) -> Tokens | None: ...

    def save_tokens(self, tokens: Tokens) -> None: ...


class _RefreshRefused(Exception):
    """The refresh token was refused (`invalid_grant`): expired, spent or unknown."""


class TokenManager:
    """Holds the current tokens and renews them: refresh first, password grant as fallback."""

    def __init__(
        self,
        settings: Settings,
        transport: Transport,
        redact: Redactor,
        store: TokenStore | None,
        now: Callable[[], float],
    ) -> None:
        self._settings = settings
        self._transport = transport
        self._redact = redact
        self._store = store
        self._now = now
        self._basic = "Basic " + base64.b64encode(settings.auth_key.encode()).decode("ascii")
        self.tokens = store.load_tokens() if store is not None else None
        if self.tokens is not None:
            redact.add(self.tokens.access_token, self.tokens.refresh_token)

    def header(self) -> dict[str, str]:
        """`Authorization` with an access token valid for at least another minute."""
        return {"Authorization": f"Bearer {self.valid().access_token}"}

    def valid(self) -> Tokens:
        tokens = self.tokens
        if tokens is None:
            return self.login()
        if self._now() < tokens.expires_at - EXPIRY_MARGIN:
            return tokens
        return self.renew()

    def login(self) -> Tokens:
        """The password grant."""
        settings = self._settings
        grant = {
            "username": settings.username,
            "password": settings.password,
            "grant_type": PASSWORD_GRANT,
        }
        tokens = self._grant(grant, refreshing=False)
        log.info("logged in with the password grant (account %s)", tokens.account_id)
        return tokens

    def renew(self) -> Tokens:
        """New tokens by the refresh token; by the password grant if there is none or it fails."""
        current = self.tokens
        if current is None or not current.refresh_token:
            return self.login()
        grant = {"refresh_token": current.refresh_token, "grant_type": REFRESH_GRANT}
        try:
            tokens = self._grant(grant, refreshing=True)
        except _RefreshRefused:
            log.warning("the refresh token was refused; logging in with the password grant")
            return self.login()
        log.info("access token refreshed (account %s)", tokens.account_id)
        return tokens

    def _grant(self, grant: dict[str, str], *, refreshing: bool) -> Tokens:
        def attempt(number: int) -> Tokens:
            response = self._transport.send(
                "POST",
                TOKEN_PATH,
                headers={"Authorization": self._basic},
                attempt=number,
                body=grant,
            )
            return self._tokens_from(response, refreshing=refreshing)

        tokens = self._transport.retrying("POST", TOKEN_PATH, attempt)
        self._redact.add(tokens.access_token, tokens.refresh_token)
        self.tokens = tokens
        if self._store is not None:
            self._store.save_tokens(tokens)
        return tokens

    def _tokens_from(self, response: requests.Response, *, refreshing: bool) -> Tokens:
        status = response.status_code
        if 200 <= status < 300:
            return self._granted(response)
        if status not in (400, 401):
            raise self._transport.failure("POST", TOKEN_PATH, response)
        error = _oauth_error(response)
        if error == "invalid_client":
            raise AuthError(
                "the Newsletter2Go auth key (N2G_AUTH_KEY) was refused (invalid_client)",
                which="auth_key",
            )
        if error == "invalid_grant" and refreshing:
            raise _RefreshRefused
        if error == "invalid_grant":
            raise AuthError(
                "the Newsletter2Go username or password (N2G_USERNAME, N2G_PASSWORD) "
                "was refused (invalid_grant)",
                which="credentials",
            )
        code, message = error_details(response)
        raise ServiceError(status, code, self._redact(message), method="POST", path=TOKEN_PATH)

    def _granted(self, response: requests.Response) -> Tokens:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not _text(body.get("access_token")):
            raise Retryable(
                f"HTTP {response.status_code} without tokens in a JSON body", ambiguous=True
            )
        previous = self.tokens
        expires_in = body.get("expires_in")
        if not isinstance(expires_in, int | float) or isinstance(expires_in, bool):
            expires_in = DEFAULT_LIFETIME
        return Tokens(
            access_token=body["access_token"],
            refresh_token=_text(body.get("refresh_token"))
            or (previous.refresh_token if previous else ""),
            expires_at=self._now() + float(expires_in),
            account_id=_text(body.get("account_id")) or (previous.account_id if previous else ""),
        )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _oauth_error(response: requests.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) else None
