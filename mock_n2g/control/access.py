"""Who may use the control API: on by default on loopback, with an admin token elsewhere."""

import hmac
from dataclasses import dataclass

from flask import current_app, request

from mock_n2g.errors import ApiError
from mock_n2g.replay import replaying

ADMIN_HEADER = "X-Mock-Admin-Token"
POLICY_KEY = "n2g_control_policy"


@dataclass(frozen=True)
class ControlPolicy:
    """`enabled=False` hides the control API (404); `refusal` explains a 403 for every call."""

    enabled: bool = True
    admin_token: str | None = None
    refusal: str | None = None

    def __repr__(self) -> str:
        token = "<redacted>" if self.admin_token else None
        return (
            f"ControlPolicy(enabled={self.enabled}, admin_token={token}, refusal={self.refusal!r})"
        )


def guard() -> None:
    """`before_request` of every control blueprint: a refused call is a clear 404 or 403."""
    if replaying():
        return  # a logged command ran when it was allowed; the policy may differ since
    policy: ControlPolicy = current_app.extensions[POLICY_KEY]
    if not policy.enabled:
        raise ApiError(404)
    if policy.refusal:
        raise ApiError(403, policy.refusal)
    if policy.admin_token is not None:
        given = request.headers.get(ADMIN_HEADER, "")
        if not hmac.compare_digest(given.encode(), policy.admin_token.encode()):
            raise ApiError(403, f"the control API needs the header {ADMIN_HEADER}")
