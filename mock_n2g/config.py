"""How a mock instance is set up."""

from dataclasses import dataclass, field

from mock_n2g.backend import AccountSpec
from mock_n2g.clock import Clock
from mock_n2g.control.access import ControlPolicy

MAX_BODY_BYTES = 1024 * 1024


@dataclass
class MockConfig:
    """Accounts to seed, the clock to run on, and HTTP limits."""

    accounts: list[AccountSpec] = field(default_factory=lambda: [AccountSpec.from_env()])
    clock: Clock = field(default_factory=Clock)
    base_url: str | None = None  # for `_href` links; default: the URL the request came in on
    max_body_bytes: int = MAX_BODY_BYTES
    control: ControlPolicy = field(default_factory=ControlPolicy)
    seed: int | None = None  # of all the mock's randomness; None: a random one
    data_path: str | None = None  # SQLite file keeping all state; None: memory only
