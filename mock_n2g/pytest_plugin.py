"""pytest fixtures for testing a Newsletter2Go client against the mock (entry point `pytest11`).

def test_my_client_subscribes(n2g_mock, n2g_credentials):
    client = MyClient(**n2g_credentials.as_env())
    ...
    assert n2g_mock.control.requests(method="POST", path_prefix="/recipients")
"""

from collections.abc import Iterator

import pytest

from mock_n2g.testing import Credentials, MockControl, MockServer


@pytest.fixture(scope="session")
def n2g_mock_server() -> Iterator[MockServer]:
    """The mock for the whole session, on a free port in a background thread."""
    with MockServer() as server:
        yield server


@pytest.fixture
def n2g_mock(n2g_mock_server: MockServer) -> MockServer:
    """The session's mock, reset before the test: no data, faults or journal from earlier tests."""
    n2g_mock_server.reset()
    return n2g_mock_server


@pytest.fixture
def n2g_credentials(n2g_mock: MockServer) -> Credentials:
    """Base URL, auth key, username and password of the mock's account."""
    return n2g_mock.credentials


@pytest.fixture
def n2g_control(n2g_mock: MockServer) -> MockControl:
    """The control API: reset, accounts, clock, outbox, request journal, faults."""
    return n2g_mock.control
