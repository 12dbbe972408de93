"""The campaign's reference: the same events synced without faults on a fresh mock.

Tests put their figures in `record_property("campaign", ...)`; they are printed in a
"reliability campaign" section at the end of the run (and are in a JUnit report's properties).
"""

from dataclasses import dataclass
from typing import Any

import pytest

from mock_n2g.testing import MockServer
from sync.client import Client, Settings
from sync.engine import Engine
from sync.portal import Event, read_events
from sync.state import State
from tests.reliability.campaign import Portal, differences, scaled, seed, shown, snapshot

EVENTS = 2000


@dataclass(frozen=True)
class Baseline:
    portal: Portal
    events: list[Event]
    end_state: dict[str, list[tuple]]
    requests_sent: int  # by the fault-free run, token requests included


def settings_for(credentials: Any, **overrides: Any) -> Settings:
    return Settings(
        auth_key=credentials.auth_key,
        username=credentials.username,
        password=credentials.password,
        base_url=credentials.base_url,
        **overrides,
    )


@pytest.fixture(scope="session")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    portal = Portal(seed(), scaled(EVENTS, minimum=50))
    events, errors = read_events(portal.lines())
    assert errors == [], f"the generated events do not parse: {errors[:3]}"
    with MockServer() as mock:
        state = State(tmp_path_factory.mktemp("baseline") / "sync.sqlite")
        try:
            client = Client(settings_for(mock.credentials), token_store=state)
            summary = Engine(client, state).push(events)
        finally:
            state.close()
        assert summary.ok, f"the fault-free run failed: {summary.failures[:5]}"
        end_state = snapshot(mock.credentials)
    problems = differences(portal.expected(), end_state)
    assert not problems, "the fault-free run does not match the events' model:\n" + shown(problems)
    return Baseline(portal, events, end_state, summary.requests_sent)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    lines = []
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for name, value in getattr(report, "user_properties", ()):
                if name == "campaign":
                    lines.append(f"{report.nodeid.split('::')[-1]}: {value}")
    if lines:
        terminalreporter.section("reliability campaign")
        for line in lines:
            terminalreporter.write_line(line)
