"""The request journal, written by real HTTP calls (`requests`) against the live mock."""

import json
import re
import uuid
from collections.abc import Iterator

import pytest
import requests

from mock_n2g.control.journal import JOURNAL_KEY
from tests.support import MAIN_ACCOUNT, OTHER_ACCOUNT, PASSWORD_GRANT, REFRESH_GRANT

TIMEOUT = 10
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000")


class Live:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def login(self, spec=MAIN_ACCOUNT, **kwargs) -> dict:
        client_id, _, secret = spec.auth_key.partition(":")
        if "data" not in kwargs and "json" not in kwargs:
            kwargs["json"] = {
                "username": spec.username,
                "password": spec.password,
                "grant_type": PASSWORD_GRANT,
            }
        response = requests.post(
            f"{self.base_url}/oauth/v2/token", auth=(client_id, secret), timeout=TIMEOUT, **kwargs
        )
        assert response.status_code == 200, response.text
        return response.json()

    def call(self, token: str, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(
            method,
            self.base_url + path,
            headers={"Authorization": f"Bearer {token}"},
            timeout=TIMEOUT,
            **kwargs,
        )

    def control(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, f"{self.base_url}/_mock{path}", timeout=TIMEOUT, **kwargs)

    def journal(self, **filters) -> list[dict]:
        response = self.control("GET", "/requests", params=filters)
        assert response.status_code == 200, response.text
        return response.json()["requests"]


@pytest.fixture
def live(live_mock) -> Iterator[Live]:
    """The shared live mock with an empty journal and no fault rules."""
    mock = Live(live_mock)
    for path in ("/requests", "/faults"):
        mock.control("DELETE", path).raise_for_status()
    yield mock
    mock.control("DELETE", "/faults").raise_for_status()


def test_a_request_is_recorded_with_what_the_client_sent(live):
    grant = live.login()
    name = f"Journal {uuid.uuid4().hex[:8]}"
    created = live.call(grant["access_token"], "POST", "/lists", json={"name": name})
    assert created.status_code == 201
    live.call(grant["access_token"], "GET", "/lists?_expand=true&_filter=name%3D%3Dx&_limit=5")

    login, create, read = live.journal()
    assert login["id"] < create["id"] < read["id"]
    assert (login["path"], login["status"], login["account_id"]) == (
        "/oauth/v2/token",
        200,
        grant["account_id"],
    )
    assert create["method"] == "POST"
    assert create["path"] == "/lists"
    assert create["status"] == 201
    assert create["account_id"] == grant["account_id"]
    assert create["request_body"] == {"name": name}
    assert create["request_body_truncated"] is False
    assert create["content_type"] == "application/json"
    assert create["fault"] is None
    assert create["duration_ms"] >= 0
    assert TIMESTAMP.fullmatch(create["time"])
    assert read["query"] == {"_expand": ["true"], "_filter": ["name==x"], "_limit": ["5"]}
    assert read["request_body"] is None


def test_filters_and_limit_select_entries_oldest_first(live):
    main = live.login()
    other = live.login(OTHER_ACCOUNT)
    live.call(main["access_token"], "GET", "/lists")
    live.call(other["access_token"], "GET", "/companies")
    live.call(main["access_token"], "GET", "/users")
    live.call(main["access_token"], "POST", "/lists", json={"name": f"F {uuid.uuid4().hex}"})

    assert [e["path"] for e in live.journal(account_id=main["account_id"])] == [
        "/oauth/v2/token",
        "/lists",
        "/users",
        "/lists",
    ]
    assert [e["method"] for e in live.journal(method="post", path_prefix="/lists")] == ["POST"]
    assert [e["path"] for e in live.journal(path_prefix="/li")] == ["/lists", "/lists"]
    assert [e["path"] for e in live.journal(limit=2)] == ["/users", "/lists"]
    assert live.control("GET", "/requests", params={"limit": "0"}).status_code == 400


def test_secrets_never_enter_the_journal(live):
    grant = live.login()
    refreshed = live.login(
        json={"refresh_token": grant["refresh_token"], "grant_type": REFRESH_GRANT}
    )
    client_id, _, client_secret = MAIN_ACCOUNT.auth_key.partition(":")
    form = live.login(
        data={
            "username": MAIN_ACCOUNT.username,
            "password": MAIN_ACCOUNT.password,
            "grant_type": PASSWORD_GRANT,
            "client_id": client_id,
            "client_secret": client_secret,
        }
    )
    live.call(refreshed["access_token"], "GET", "/lists", params={"password": "query-secret"})
    requests.post(
        f"{live.base_url}/oauth/v2/token",
        data=f'{{"password": "{MAIN_ACCOUNT.password}", broken',
        timeout=TIMEOUT,
    )

    entries = live.journal()
    text = json.dumps(entries)
    secrets = [
        MAIN_ACCOUNT.password,
        MAIN_ACCOUNT.auth_key,
        client_secret,
        "query-secret",
        *(g[key] for g in (grant, refreshed, form) for key in ("access_token", "refresh_token")),
    ]
    for secret in secrets:
        assert secret not in text
    assert entries[0]["request_body"] == {
        "username": MAIN_ACCOUNT.username,
        "password": "<redacted>",
        "grant_type": PASSWORD_GRANT,
    }
    assert entries[1]["request_body"]["refresh_token"] == "<redacted>"
    assert entries[2]["request_body"]["client_secret"] == "<redacted>"
    assert entries[2]["request_body"]["client_id"] == client_id
    assert entries[3]["query"] == {"password": "<redacted>"}
    assert entries[4]["request_body"] == "<redacted>"


def test_the_control_api_is_not_recorded(live):
    live.control("GET", "/outbox")
    live.control("POST", "/faults", json={"path": "/nowhere", "status": 500})
    live.control("GET", "/faults")
    live.control("GET", "/requests")
    assert live.journal() == []


def test_clearing_empties_the_journal(live):
    live.login()
    requests.get(f"{live.base_url}/lists", timeout=TIMEOUT)
    cleared = live.control("DELETE", "/requests")
    assert cleared.status_code == 200
    assert cleared.json() == {"deleted": 2}
    assert live.journal() == []


def test_unauthenticated_and_unknown_requests_are_recorded_too(live):
    assert requests.get(f"{live.base_url}/lists", timeout=TIMEOUT).status_code == 401
    assert requests.get(f"{live.base_url}/no/such/thing", timeout=TIMEOUT).status_code == 404
    assert [(e["path"], e["status"], e["account_id"]) for e in live.journal()] == [
        ("/lists", 401, None),
        ("/no/such/thing", 404, None),
    ]


def test_faults_are_named_in_the_entries_they_hit(live):
    grant = live.login()
    token = grant["access_token"]
    live.control("POST", "/faults", json={"path": "/lists", "status": 503, "times": 1})
    live.control("POST", "/faults", json={"path": "/users", "fault": "connection_reset"})
    live.control("POST", "/faults", json={"path": "/companies", "fault": "malformed_body"})
    live.call(token, "GET", "/lists")
    with pytest.raises(requests.exceptions.ConnectionError):
        live.call(token, "GET", "/users")
    live.call(token, "GET", "/companies")
    entries = live.journal(path_prefix="/")[1:]
    assert [(e["path"], e["status"], e["fault"]) for e in entries] == [
        ("/lists", 503, "status"),
        ("/users", None, "connection_reset"),
        ("/companies", 200, "malformed_body"),
    ]
    # `before` faults answer ahead of authentication; `after` ones let the service run
    assert [e["account_id"] for e in entries] == [None, None, grant["account_id"]]


def test_a_delay_counts_in_the_duration(live):
    live.control("POST", "/faults", json={"path": "/lists", "delay_ms": 300, "when": "after"})
    requests.get(f"{live.base_url}/lists", timeout=TIMEOUT)
    assert live.journal()[0]["duration_ms"] >= 250


def test_a_large_body_is_kept_up_to_64_kib_and_marked_truncated(live):
    token = live.login()["access_token"]
    live.call(token, "POST", "/lists", json={"name": "x" * 100_000})
    entry = live.journal(path_prefix="/lists")[0]
    assert entry["request_body_truncated"] is True
    assert isinstance(entry["request_body"], str)
    assert len(entry["request_body"]) == 64 * 1024
    assert entry["request_body"].startswith('{"name": "xxx')


def test_the_journal_keeps_only_the_newest_entries_up_to_its_limit(app, client):
    app.extensions[JOURNAL_KEY].resize(3)
    for n in range(5):
        client.get(f"/lists/{n}")
    entries = client.get("/_mock/requests").get_json()["requests"]
    assert [entry["path"] for entry in entries] == ["/lists/2", "/lists/3", "/lists/4"]


def test_the_journal_holds_ten_thousand_entries_by_default(app):
    assert app.extensions[JOURNAL_KEY].limit == 10_000
