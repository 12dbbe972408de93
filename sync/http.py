"""HTTP under the Newsletter2Go client: settings, typed errors, one request, bounded retries."""

from __future__ import annotations

import base64
import logging
import os
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import requests

log = logging.getLogger("sync.client")

DEFAULT_BASE_URL = "https://api.newsletter2go.com"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_AFTER_STATUSES = frozenset({429, 503})
REQUIRED_VARIABLES = ("N2G_AUTH_KEY", "N2G_USERNAME", "N2G_PASSWORD")
REDACTED = "<redacted>"
MIN_SECRET_LENGTH = 4
USER_AGENT = "n2g-sync/0.1"
T = TypeVar("T")


class N2GError(Exception):
    """Base of the client's errors; the text never contains a secret."""


class ConfigError(N2GError):
    """A missing or invalid setting; the message names the variable."""

    def __init__(self, message: str, *, variable: str | None = None) -> None:
        self.variable = variable
        super().__init__(message)


class AuthError(N2GError):
    """The service refused a credential; `which` is "auth_key", "credentials" or "refresh"."""

    def __init__(self, message: str, which: str) -> None:
        self.which = which
        super().__init__(message)


class ServiceError(N2GError):
    """A non-retryable error answer of the service (`{"status", "code", "errorMessage"}`)."""

    def __init__(
        self,
        status: int,
        code: int | None,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.method = method
        self.path = path
        where = f"{method} {path}: " if method and path else ""
        code_text = f" (code {code})" if code is not None else ""
        super().__init__(f"{where}HTTP {status}{code_text}: {message}")


class NotFound(ServiceError):
    """404: the resource does not exist (any more)."""


class Unavailable(N2GError):
    """The service kept failing (429, 5xx, connection errors, timeouts) until attempts ran out."""


@dataclass(frozen=True, repr=False)
class Settings:
    """Where and as whom the client works, and how patiently."""

    auth_key: str
    username: str
    password: str
    base_url: str = DEFAULT_BASE_URL
    timeout: float = 30.0
    max_attempts: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30.0

    def __post_init__(self) -> None:
        if not self.auth_key or ":" not in self.auth_key:
            raise ConfigError(
                "N2G_AUTH_KEY must be the account's auth key of the form client_id:client_secret",
                variable="N2G_AUTH_KEY",
            )
        for variable, value in (("N2G_USERNAME", self.username), ("N2G_PASSWORD", self.password)):
            if not value:
                raise ConfigError(f"{variable} must not be empty", variable=variable)
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"N2G_BASE_URL must be an http(s) URL, got {self.base_url!r}",
                variable="N2G_BASE_URL",
            )
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        if not self.timeout > 0:
            raise ConfigError("Settings.timeout must be positive", variable="timeout")
        if self.max_attempts < 1:
            raise ConfigError("Settings.max_attempts must be at least 1", variable="max_attempts")
        if self.backoff_base < 0 or self.backoff_max < 0:
            raise ConfigError("Settings.backoff_* must not be negative", variable="backoff_base")

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        """N2G_BASE_URL (default: the real service), N2G_AUTH_KEY, N2G_USERNAME, N2G_PASSWORD."""
        missing = [name for name in REQUIRED_VARIABLES if not env.get(name, "").strip()]
        if missing:
            raise ConfigError(f"{', '.join(missing)} not set", variable=missing[0])
        return cls(
            auth_key=env["N2G_AUTH_KEY"].strip(),
            username=env["N2G_USERNAME"].strip(),
            password=env["N2G_PASSWORD"],
            base_url=env.get("N2G_BASE_URL", "").strip() or DEFAULT_BASE_URL,
        )

    def __repr__(self) -> str:
        return (
            f"Settings(base_url={self.base_url!r}, username={self.username!r}, "
            f"auth_key={REDACTED}, password={REDACTED}, timeout={self.timeout!r}, "
            f"max_attempts={self.max_attempts!r}, backoff_base={self.backoff_base!r}, "
            f"backoff_max={self.backoff_max!r})"
        )

    __str__ = __repr__


class Redactor:
    """Replaces every known secret in a text; the token manager adds tokens as they come."""

    def __init__(self, settings: Settings) -> None:
        self._secrets: set[str] = set()
        key = settings.auth_key
        self.add(key, key.partition(":")[2], base64.b64encode(key.encode()).decode())
        self.add(settings.password)

    def add(self, *secrets: str | None) -> None:
        self._secrets.update(s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH)

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text


class Retryable(Exception):
    """A failed attempt worth repeating; `ambiguous` if the service may have done the work."""

    def __init__(
        self,
        cause: str,
        *,
        ambiguous: bool,
        retry_after: float | None = None,
        error: BaseException | None = None,
    ) -> None:
        self.cause = cause
        self.ambiguous = ambiguous
        self.retry_after = retry_after
        self.error = error
        super().__init__(cause)


def _root_cause(error: BaseException) -> BaseException:
    """The innermost exception that `error` wraps (through args, cause and context)."""
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and not any(current is s for s in seen):
        seen.append(current)
        inner: Iterable[BaseException | None] = (
            *(a for a in current.args if isinstance(a, BaseException)),
            getattr(current, "reason", None),
            current.__cause__,
            current.__context__,
        )
        current = next((e for e in inner if isinstance(e, BaseException)), None)
    return seen[-1]


def describe_error(error: BaseException) -> str:
    root = _root_cause(error)
    if root is error:
        return type(error).__name__
    return f"{type(error).__name__} ({type(root).__name__}: {root})"


def retry_after_seconds(response: requests.Response) -> float | None:
    """`Retry-After` in seconds on 429/503, if given as a number."""
    if response.status_code not in RETRY_AFTER_STATUSES:
        return None
    try:
        seconds = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
    return max(seconds, 0.0) if seconds == seconds else None  # NaN is no answer


def error_details(response: requests.Response) -> tuple[int | None, str]:
    """Code and message of an error answer in the service's format, or the reason."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        code = body.get("code")
        message = body.get("errorMessage") or body.get("error_description") or body.get("error")
        if message:
            return (code if isinstance(code, int) else None), str(message)
    return None, response.reason or "error"


class Transport:
    """Sends requests to the service, classifies answers and repeats failed attempts."""

    def __init__(
        self,
        settings: Settings,
        session: requests.Session,
        sleep: Callable[[float], None],
        redact: Redactor,
    ) -> None:
        self.settings = settings
        self.session = session
        self.requests_sent = 0
        self._sleep = sleep
        self._redact = redact

    def send(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str],
        attempt: int,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> requests.Response:
        """One HTTP request; network failures become `Retryable`."""
        self.requests_sent += 1
        try:
            response = self.session.request(
                method,
                self.settings.base_url + path,
                params=params,
                json=body,
                headers={"Accept": "application/json", "User-Agent": USER_AGENT, **headers},
                timeout=self.settings.timeout,
            )
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
        ) as error:
            cause = self._redact(describe_error(error))
            log.debug("%s %s -> %s (attempt %d)", method, path, cause, attempt)
            ambiguous = not isinstance(error, requests.ConnectTimeout)
            raise Retryable(cause, ambiguous=ambiguous, error=error) from error
        log.debug("%s %s -> %d (attempt %d)", method, path, response.status_code, attempt)
        return response

    def parse(self, method: str, path: str, response: requests.Response) -> dict[str, Any]:
        """The JSON body of a 2xx answer; errors raised by kind."""
        status = response.status_code
        if 200 <= status < 300:
            try:
                body = response.json()
            except ValueError:
                body = None
            if not isinstance(body, dict):
                raise Retryable(f"HTTP {status} with a malformed JSON body", ambiguous=True)
            return body
        raise self.failure(method, path, response)

    def failure(self, method: str, path: str, response: requests.Response) -> Exception:
        """The exception for an error answer: `Retryable`, `NotFound` or `ServiceError`."""
        status = response.status_code
        code, message = error_details(response)
        message = self._redact(message)
        if status in RETRY_STATUSES:
            return Retryable(
                f"HTTP {status}: {message}",
                ambiguous=status != 429,
                retry_after=retry_after_seconds(response),
            )
        kind = NotFound if status == 404 else ServiceError
        return kind(status, code, message, method=method, path=path)

    def retrying(self, method: str, path: str, attempt: Callable[[int], T]) -> T:
        """Run `attempt(number)` until it succeeds, fails for good, or attempts run out.

        Only for requests that are safe to repeat (see `Client.create_list` for one that is not).
        """
        limit = self.settings.max_attempts
        for number in range(1, limit + 1):
            try:
                return attempt(number)
            except Retryable as failure:
                if number == limit:
                    raise self.exhausted(method, path, failure) from failure.error
                self.pause(method, path, failure, number)
        raise AssertionError("unreachable")  # pragma: no cover

    def delay(self, retry: int, retry_after: float | None) -> float:
        """Seconds before retry number `retry` (0-based): Retry-After, else full jitter."""
        cap = self.settings.backoff_max
        if retry_after is not None:
            return min(cap, retry_after)
        return random.uniform(0, min(cap, self.settings.backoff_base * 2**retry))

    def pause(self, method: str, path: str, failure: Retryable, attempt: int) -> None:
        seconds = self.delay(attempt - 1, failure.retry_after)
        log.warning(
            "%s %s failed (%s), attempt %d/%d; retrying in %.2f s",
            method,
            path,
            failure.cause,
            attempt,
            self.settings.max_attempts,
            seconds,
        )
        self._sleep(seconds)

    def exhausted(self, method: str, path: str, failure: Retryable) -> Unavailable:
        attempts = self.settings.max_attempts
        return Unavailable(
            f"{method} {path} failed {attempts} time(s), giving up; last error: {failure.cause}"
        )
