"""The journeys' fixtures and their report: one Journey per scenario on the chosen target."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.acceptance.journey import Journey
from tests.acceptance.report import JourneyReport
from tests.acceptance.steps.account_steps import *  # noqa: F403 - step definitions
from tests.acceptance.steps.credentials_steps import *  # noqa: F403
from tests.acceptance.steps.mock_steps import *  # noqa: F403
from tests.acceptance.steps.portal_steps import *  # noqa: F403
from tests.acceptance.targets import Target, open_target


@pytest.fixture(scope="session")
def n2g_target(request: pytest.FixtureRequest) -> Iterator[Target]:
    target = open_target(
        request.config.getoption("n2g_target"), request.config.getoption("n2g_base_url")
    )
    yield target
    if target.server is not None:
        target.server.stop()


@pytest.fixture
def journey(n2g_target: Target, tmp_path: Path) -> Iterator[Journey]:
    n2g_target.prepare()
    journey = Journey(n2g_target, tmp_path)
    yield journey
    journey.cleanup()


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(JourneyReport(config), "n2g-journey-report")
