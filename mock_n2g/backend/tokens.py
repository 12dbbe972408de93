"""OAuth tokens: issued per account, expiring on the mock's clock, refresh tokens rotating."""

import base64
import hashlib
import hmac
import json
import random
from collections import deque
from dataclasses import dataclass

from mock_n2g.clock import Clock
from mock_n2g.errors import OAuthError

ACCESS_TOKEN_LIFETIME = 7200
REFRESH_TOKEN_LIFETIME = 30 * 24 * 3600


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    refresh_token: str
    account_id: str
    expires_in: int = ACCESS_TOKEN_LIFETIME

    def __repr__(self) -> str:
        return f"TokenGrant(account_id={self.account_id!r}, tokens=<redacted>)"


@dataclass(frozen=True)
class _Issued:
    account_id: str
    expires_at: float


class _Ledger:
    """Tokens of one kind. Issue order is expiry order (fixed lifetime, forward-only clock)."""

    def __init__(self, lifetime: int) -> None:
        self.lifetime = lifetime
        self.by_value: dict[str, _Issued] = {}
        self._issue_order: deque[str] = deque()

    def add(self, token: str, account_id: str, now: float) -> None:
        self.by_value[token] = _Issued(account_id, now + self.lifetime)
        self._issue_order.append(token)

    def forget_expired(self, now: float) -> None:
        """Drop tokens past expiry, so a load test of the token endpoint does not grow memory."""
        while self._issue_order:
            issued = self.by_value.get(self._issue_order[0])
            if issued is not None and issued.expires_at > now:
                return
            self.by_value.pop(self._issue_order.popleft(), None)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class TokenStore:
    """Access and refresh tokens by value. Not locked itself: the backend's lock guards it."""

    def __init__(self, clock: Clock, rng: random.Random) -> None:
        self._clock = clock
        self._random = rng
        self._signing_key = rng.randbytes(32)
        self._access = _Ledger(ACCESS_TOKEN_LIFETIME)
        self._refresh = _Ledger(REFRESH_TOKEN_LIFETIME)

    def issue(self, account_id: str) -> TokenGrant:
        now = self._clock.now()
        tokens = []
        for ledger in (self._access, self._refresh):
            ledger.forget_expired(now)
            token = self._mint(account_id, now + ledger.lifetime, refresh=ledger is self._refresh)
            ledger.add(token, account_id, now)
            tokens.append(token)
        return TokenGrant(tokens[0], tokens[1], account_id)

    def account_for_access_token(self, token: str) -> str:
        issued = self._access.by_value.get(token)
        if issued is None:
            raise OAuthError(401, "invalid_grant", "The access token provided is invalid")
        if issued.expires_at <= self._clock.now():
            raise OAuthError(401, "invalid_grant", "The access token provided has expired")
        return issued.account_id

    def redeem_refresh_token(self, token: str, account_id: str) -> TokenGrant:
        """Trade a refresh token of this account for new tokens; the old one is spent."""
        issued = self._refresh.by_value.get(token)
        if issued is None or issued.account_id != account_id:
            raise OAuthError(400, "invalid_grant", "Invalid refresh token")
        if issued.expires_at <= self._clock.now():
            raise OAuthError(400, "invalid_grant", "Refresh token has expired")
        del self._refresh.by_value[token]
        return self.issue(account_id)

    def revoke_account(self, account_id: str) -> None:
        """Invalidate every token of an account (its user was deleted)."""
        for ledger in (self._access, self._refresh):
            spent = [t for t, issued in ledger.by_value.items() if issued.account_id == account_id]
            for token in spent:
                del ledger.by_value[token]

    def _mint(self, account_id: str, expires_at: float, *, refresh: bool) -> str:
        """A JWT-shaped opaque token like the service's (`__` + header.payload.signature)."""
        header = _b64(json.dumps({"typ": "JWT", "alg": "HS256"}).encode())
        claims: dict[str, object] = {
            "__.aid": account_id,
            "__.expiresAt": int(expires_at),
            "__.rd": self._random.randbytes(8).hex(),
        }
        if refresh:
            claims["__.refresh"] = True
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{header}.{payload}".encode()
        signature = _b64(hmac.new(self._signing_key, signing_input, hashlib.sha256).digest())
        return f"__{header}.{payload}.{signature}"
