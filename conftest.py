"""Shared fixtures: a fresh mock per test (Flask test client) and a live mock per session."""

import os
from collections.abc import Iterator

import pytest

from mock_n2g import create_app
from mock_n2g.clock import Clock
from mock_n2g.config import MockConfig
from mock_n2g.testing import MockServer
from tests.acceptance.targets import staging_settings_problem
from tests.support import MAIN_ACCOUNT, OTHER_ACCOUNT, Api

os.environ.setdefault("PACT_DO_NOT_TRACK", "true")
pytest_plugins = ["pytester"]

TARGETS = ("mock", "url", "staging")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("n2g", "Newsletter2Go journeys")
    group.addoption(
        "--n2g-target",
        choices=TARGETS,
        default="mock",
        help="where the journeys run: the embedded mock (default), a mock at --n2g-base-url,"
        " or the staging account of N2G_BASE_URL/N2G_AUTH_KEY/N2G_USERNAME/N2G_PASSWORD",
    )
    group.addoption("--n2g-base-url", help="the mock's base URL for --n2g-target=url")


def pytest_configure(config: pytest.Config) -> None:
    """The staging target refuses to start without the account's settings."""
    if config.getoption("n2g_target") == "staging":
        problem = staging_settings_problem(dict(os.environ))
        if problem:
            raise pytest.UsageError(problem)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On staging there is no control API: journeys that need it are deselected, not failed."""
    if config.getoption("n2g_target") != "staging":
        return
    kept = [item for item in items if item.get_closest_marker("mock_only") is None]
    deselected = [item for item in items if item.get_closest_marker("mock_only") is not None]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(clock: Clock):
    return create_app(MockConfig(accounts=[MAIN_ACCOUNT, OTHER_ACCOUNT], clock=clock))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api(client) -> Api:
    """The main account, logged in."""
    return Api(client, MAIN_ACCOUNT)


@pytest.fixture
def other_api(client) -> Api:
    """A second account on the same mock, logged in."""
    return Api(client, OTHER_ACCOUNT)


@pytest.fixture(scope="session")
def live_mock() -> Iterator[str]:
    """The mock on waitress in a background thread, for clients that speak real HTTP."""
    with MockServer(accounts=[MAIN_ACCOUNT, OTHER_ACCOUNT]) as server:
        yield server.base_url
