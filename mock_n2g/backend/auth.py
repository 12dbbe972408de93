"""The token endpoint's rules: client (auth key) check, password grant, refresh grant."""

import hmac
from collections.abc import Mapping

from mock_n2g.backend.accounts import Account
from mock_n2g.backend.store import Store
from mock_n2g.backend.tokens import TokenGrant, TokenStore
from mock_n2g.errors import OAuthError

PASSWORD_GRANT = "https://nl2go.com/jwt"  # noqa: S105 - a grant type, not a secret
REFRESH_GRANT = "https://nl2go.com/jwt_refresh"
TEXT_PARAMS = ("username", "password", "refresh_token", "client_id", "client_secret")


def _same(secret: str, given: str) -> bool:
    return hmac.compare_digest(secret.encode(), given.encode())


class AuthService:
    """Decides token requests; the HTTP layer only extracts the auth key and the parameters."""

    def __init__(self, store: Store, tokens: TokenStore) -> None:
        self._store = store
        self._tokens = tokens

    def grant(self, auth_key: str | None, params: Mapping[str, object]) -> TokenGrant:
        params = {name: value for name, value in params.items() if value is not None}
        grant_type = params.get("grant_type")
        if not grant_type:
            raise OAuthError(
                400, "invalid_request", "The grant type was not specified in the request"
            )
        if grant_type not in (PASSWORD_GRANT, REFRESH_GRANT):
            raise OAuthError(
                400, "unsupported_grant_type", f'Grant type "{grant_type}" not supported'
            )
        for name in TEXT_PARAMS:
            if name in params and not isinstance(params[name], str):
                raise OAuthError(400, "invalid_request", f'Parameter "{name}" must be a string')
        with self._store.lock:
            account = self._client(auth_key)
            wants_refresh = grant_type == REFRESH_GRANT or (
                "refresh_token" in params and "username" not in params
            )
            if wants_refresh:
                return self._refresh(account, params.get("refresh_token"))
            return self._password(account, params.get("username"), params.get("password"))

    def account_for_access_token(self, token: str | None) -> Account:
        if not token:
            raise OAuthError(401, "invalid_grant", "No access token was provided")
        with self._store.lock:
            account_id = self._tokens.account_for_access_token(token)
            return self._store.accounts[account_id]

    def _client(self, auth_key: str | None) -> Account:
        if not auth_key:
            raise OAuthError(
                400, "invalid_client", "Client id was not found in the headers or body"
            )
        account = self._store.accounts_by_auth_key.get(auth_key)
        if account is None:
            raise OAuthError(400, "invalid_client", "The client credentials are invalid")
        return account

    def _password(self, account: Account, username: object, password: object) -> TokenGrant:
        if not isinstance(username, str) or not isinstance(password, str) or not username:
            raise OAuthError(
                400, "invalid_request", 'Missing parameters: "username" and "password" required'
            )
        spec = account.spec
        name_ok = _same(spec.username.lower(), username.strip().lower())
        if not (name_ok & _same(spec.password, password)) or account.user is None:
            raise OAuthError(400, "invalid_grant", "Invalid username and password combination")
        account.user["logged_in_at"] = self._store.clock.now()
        return self._tokens.issue(account.account_id)

    def _refresh(self, account: Account, refresh_token: object) -> TokenGrant:
        if not isinstance(refresh_token, str) or not refresh_token:
            raise OAuthError(
                400, "invalid_request", 'Missing parameter: "refresh_token" is required'
            )
        return self._tokens.redeem_refresh_token(refresh_token, account.account_id)
