"""Shared fixtures: a fresh mock per test (Flask test client) and a live mock per session."""

import os
from collections.abc import Iterator

import pytest

from mock_n2g import create_app
from mock_n2g.clock import Clock
from mock_n2g.config import MockConfig
from mock_n2g.testing import MockServer
from tests.support import MAIN_ACCOUNT, OTHER_ACCOUNT, Api

os.environ.setdefault("PACT_DO_NOT_TRACK", "1")
pytest_plugins = ["pytester"]


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
