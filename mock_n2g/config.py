"""How a mock instance is set up."""

from dataclasses import dataclass, field

from mock_n2g.backend import AccountSpec
from mock_n2g.clock import Clock

MAX_BODY_BYTES = 1024 * 1024


@dataclass
class MockConfig:
    """Accounts to seed, the clock to run on, and HTTP limits."""

    accounts: list[AccountSpec] = field(default_factory=lambda: [AccountSpec.from_env()])
    clock: Clock = field(default_factory=Clock)
    base_url: str | None = None  # for `_href` links; default: the URL the request came in on
    max_body_bytes: int = MAX_BODY_BYTES
