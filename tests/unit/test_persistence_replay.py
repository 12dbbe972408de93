"""The data file's replay: the same state, whatever the restarted mock is configured with."""

import sqlite3

import pytest

from mock_n2g import create_app
from mock_n2g.backend import AccountSpec
from mock_n2g.clock import Clock
from mock_n2g.config import MockConfig
from mock_n2g.control import ControlPolicy
from tests.support import MAIN_ACCOUNT, OTHER_ACCOUNT, Api


def start(path, **overrides):
    config = MockConfig(accounts=[MAIN_ACCOUNT], data_path=str(path), **overrides)
    return create_app(config).test_client()


def test_replay_restores_state_tokens_and_clock_under_another_control_policy(tmp_path):
    path = tmp_path / "mock.sqlite"
    client = start(path)
    api = Api(client)
    list_id = api.create_list("Kept")
    api.add(list_id, {"email": "kept@example.org"})
    client.post("/_mock/clock", json={"advance_seconds": 3600})
    expected = api.get("/recipients?_expand=1").get_json()

    restarted = start(path, control=ControlPolicy(admin_token="now-required"), clock=Clock())
    headers = {"Authorization": f"Bearer {api.token}"}
    assert restarted.get("/recipients?_expand=1", headers=headers).get_json() == expected
    clock = restarted.get("/_mock/clock", headers={"X-Mock-Admin-Token": "now-required"})
    assert clock.get_json()["offset_seconds"] == 3600


def test_a_reset_is_replayed_too(tmp_path):
    path = tmp_path / "mock.sqlite"
    client = start(path)
    Api(client).create_list("Before reset")
    client.post("/_mock/reset")
    after_reset = Api(client).create_list("After reset")
    restarted = Api(start(path))
    names = [item["name"] for item in restarted.get("/lists?_expand=1").get_json()["value"]]
    assert names == ["Default", "After reset"]
    assert restarted.get(f"/lists/{after_reset}").status_code == 200


def test_the_file_keeps_the_accounts_it_started_with(tmp_path):
    path = tmp_path / "mock.sqlite"
    list_id = Api(start(path)).create_list("Mine")
    client = create_app(MockConfig(accounts=[OTHER_ACCOUNT], data_path=str(path))).test_client()
    assert Api(client, MAIN_ACCOUNT).get(f"/lists/{list_id}").status_code == 200


def test_reads_are_not_logged(tmp_path):
    path = tmp_path / "mock.sqlite"
    api = Api(start(path))
    api.create_list("One write")
    for _ in range(5):
        api.get("/lists")
    commands = sqlite3.connect(path).execute("SELECT method, path FROM commands").fetchall()
    assert commands == [("POST", "/oauth/v2/token"), ("POST", "/lists")]


def test_a_file_of_another_format_is_refused(tmp_path):
    path = tmp_path / "mock.sqlite"
    start(path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'format'")
    with pytest.raises(ValueError, match="format 99"):
        start(path)


def test_memory_mode_writes_no_file(tmp_path):
    app = create_app(MockConfig(accounts=[AccountSpec("a:b", "u@example.org", "p")]))
    Api(app.test_client(), AccountSpec("a:b", "u@example.org", "p")).create_list("x")
    assert list(tmp_path.iterdir()) == []
