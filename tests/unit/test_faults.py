"""Fault injection seen by a real client (`requests`) over real TCP against the live mock."""

import errno
import http.client
import socket
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import requests

from mock_n2g.server import NoConnection
from tests.support import MAIN_ACCOUNT, PASSWORD_GRANT

TIMEOUT = 10


def causes(error: BaseException) -> list[BaseException]:
    """The error, what it wraps (args, cause, context), and so on down."""
    found: list[BaseException] = []
    pending = [error]
    while pending:
        current = pending.pop()
        if any(current is seen for seen in found):
            continue
        found.append(current)
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return found


def is_econnreset(error: BaseException) -> bool:
    """A TCP reset (`RemoteDisconnected` is a `ConnectionResetError` too, but without errno)."""
    return isinstance(error, ConnectionResetError) and error.errno == errno.ECONNRESET


class Live:
    """The live mock as a real client sees it, logged in as the main account."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        client_id, _, secret = MAIN_ACCOUNT.auth_key.partition(":")
        login = requests.post(
            f"{base_url}/oauth/v2/token",
            auth=(client_id, secret),
            json={
                "username": MAIN_ACCOUNT.username,
                "password": MAIN_ACCOUNT.password,
                "grant_type": PASSWORD_GRANT,
            },
            timeout=TIMEOUT,
        )
        assert login.status_code == 200, login.text
        self.auth = {"Authorization": f"Bearer {login.json()['access_token']}"}

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {**self.auth, **kwargs.pop("headers", {})}
        return requests.request(
            method, self.base_url + path, headers=headers, timeout=TIMEOUT, **kwargs
        )

    def add_fault(self, **rule) -> dict:
        response = requests.post(f"{self.base_url}/_mock/faults", json=rule, timeout=TIMEOUT)
        assert response.status_code == 201, response.text
        return response.json()

    def faults(self) -> list[dict]:
        return requests.get(f"{self.base_url}/_mock/faults", timeout=TIMEOUT).json()["rules"]

    def clear_faults(self) -> None:
        requests.delete(f"{self.base_url}/_mock/faults", timeout=TIMEOUT).raise_for_status()

    def list_names(self) -> list[str]:
        response = self.call("GET", "/lists?_expand=true&_limit=1000")
        assert response.status_code == 200, response.text
        return [item["name"] for item in response.json()["value"]]


@pytest.fixture
def live(live_mock) -> Iterator[Live]:
    """The shared live mock, free of fault rules before and after the test."""
    requests.delete(f"{live_mock}/_mock/faults", timeout=TIMEOUT).raise_for_status()
    yield Live(live_mock)
    requests.delete(f"{live_mock}/_mock/faults", timeout=TIMEOUT).raise_for_status()


def unique(name: str) -> str:
    return f"{name} {uuid.uuid4().hex[:8]}"


# the network faults


def test_connection_reset_is_econnreset_for_the_client(live):
    live.add_fault(method="GET", path="/lists", fault="connection_reset", times=1)
    with pytest.raises(requests.exceptions.ConnectionError) as caught:
        live.call("GET", "/lists")
    assert any(is_econnreset(error) for error in causes(caught.value))
    assert live.call("GET", "/lists").status_code == 200


def test_empty_response_closes_the_connection_without_a_byte(live):
    live.add_fault(method="GET", path="/lists", fault="empty_response", times=1)
    with pytest.raises(requests.exceptions.ConnectionError) as caught:
        live.call("GET", "/lists")
    found = causes(caught.value)
    assert any(isinstance(error, http.client.RemoteDisconnected) for error in found)
    assert not any(is_econnreset(error) for error in found)  # a close, not a reset


def test_empty_response_sends_nothing_at_all_on_the_socket(live):
    live.add_fault(path="/lists", fault="empty_response", times=1)
    host, port = live.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as sock:
        sock.sendall(f"GET /lists HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        assert sock.recv(1024) == b""


def test_malformed_body_is_a_200_whose_json_does_not_parse(live):
    whole = live.call("GET", "/lists").text
    live.add_fault(method="GET", path="/lists", fault="malformed_body", times=1)
    broken = live.call("GET", "/lists")
    assert broken.status_code == 200
    assert broken.headers["Content-Type"] == "application/json"
    with pytest.raises(requests.exceptions.JSONDecodeError):
        broken.json()
    assert broken.text
    assert whole.startswith(broken.text)
    assert len(broken.text) < len(whole)


def test_network_faults_under_the_flask_test_client_raise_a_clear_error(client):
    response = client.post("/_mock/faults", json={"path": "/lists", "fault": "connection_reset"})
    assert response.status_code == 201
    with pytest.raises(NoConnection, match="real connection"):
        client.get("/lists")


# error statuses and delays


def test_429_carries_retry_after_and_the_service_error_body(live):
    live.add_fault(method="POST", path="/recipients", status=429, retry_after=2)
    response = live.call("POST", "/recipients", json={"email": "a@example.org"})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"
    assert response.json() == {"status": 429, "code": 429, "errorMessage": "Too Many Requests"}


@pytest.mark.parametrize(
    ("status", "message"), [(500, "Internal Server Error"), (503, "Service Unavailable")]
)
def test_server_errors_come_in_the_service_error_format(live, status, message):
    live.add_fault(path="/lists/*", status=status)
    response = live.call("GET", "/lists/abc123/recipients")
    assert response.status_code == status
    assert response.json() == {"status": status, "code": status, "errorMessage": message}
    assert live.call("GET", "/lists").status_code == 200  # the glob needs the `/` after lists


def test_a_given_body_replaces_the_default_error_body(live):
    live.add_fault(path="/lists", status=502, body={"message": "upstream down"})
    response = live.call("GET", "/lists")
    assert response.status_code == 502
    assert response.json() == {"message": "upstream down"}


def test_a_status_fault_answers_ahead_of_authentication(live):
    live.add_fault(path="/lists", status=503)
    response = requests.get(f"{live.base_url}/lists", timeout=TIMEOUT)  # no token at all
    assert response.status_code == 503


def test_a_delay_slows_the_request_which_then_proceeds_normally(live):
    live.add_fault(method="GET", path="/lists", delay_ms=300)
    started = time.monotonic()
    response = live.call("GET", "/lists")
    assert time.monotonic() - started >= 0.25
    assert response.status_code == 200
    assert "value" in response.json()


def test_a_delay_combines_with_a_status(live):
    live.add_fault(path="/lists", status=503, delay_ms=300)
    started = time.monotonic()
    assert live.call("GET", "/lists").status_code == 503
    assert time.monotonic() - started >= 0.25


# how often a rule applies


def test_a_rule_applies_times_times_then_is_spent(live):
    live.add_fault(method="GET", path="/lists", status=500, times=2)
    statuses = [live.call("GET", "/lists").status_code for _ in range(4)]
    assert statuses == [500, 500, 200, 200]
    [rule] = live.faults()
    assert (rule["remaining"], rule["hits"]) == (0, 2)


def test_times_holds_under_parallel_requests(live):
    live.add_fault(method="GET", path="/lists", status=500, times=5)
    statuses: list[int] = []
    lock = threading.Lock()

    def call() -> None:
        status = live.call("GET", "/lists").status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=call) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 15 + [500] * 5


def faulted_sequence(live: Live, seed: int, count: int = 50) -> list[bool]:
    live.clear_faults()
    live.add_fault(method="GET", path="/lists", status=500, probability=0.5, seed=seed)
    return [live.call("GET", "/lists").status_code == 500 for _ in range(count)]


def test_a_seeded_probability_gives_the_same_sequence_every_time(live):
    first = faulted_sequence(live, seed=7)
    assert faulted_sequence(live, seed=7) == first
    assert True in first
    assert False in first
    assert faulted_sequence(live, seed=8) != first


@pytest.mark.parametrize(("probability", "status"), [(0, 200), (1, 500)])
def test_probability_zero_never_applies_and_one_always_does(live, probability, status):
    live.add_fault(method="GET", path="/lists", status=500, probability=probability)
    assert {live.call("GET", "/lists").status_code for _ in range(30)} == {status}


# before or after the service did the work


@pytest.mark.parametrize("fault", ["connection_reset", "empty_response"])
def test_an_answer_lost_after_the_work_leaves_the_list_created(live, fault):
    name = unique("Lost answer")
    live.add_fault(method="POST", path="/lists", fault=fault, when="after", times=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        live.call("POST", "/lists", json={"name": name})
    assert live.list_names().count(name) == 1


def test_a_malformed_answer_after_a_create_leaves_the_list_created(live):
    name = unique("Broken answer")
    live.add_fault(method="POST", path="/lists", fault="malformed_body", times=1)
    response = live.call("POST", "/lists", json={"name": name})
    assert response.status_code == 201
    with pytest.raises(requests.exceptions.JSONDecodeError):
        response.json()
    assert live.list_names().count(name) == 1


def test_a_status_after_the_work_hides_a_create_that_happened(live):
    name = unique("Hidden create")
    live.add_fault(method="POST", path="/lists", status=500, when="after", times=1)
    assert live.call("POST", "/lists", json={"name": name}).status_code == 500
    assert live.list_names().count(name) == 1


@pytest.mark.parametrize("fault", ["connection_reset", "empty_response"])
def test_a_network_fault_before_the_service_writes_nothing(live, fault):
    name = unique("Never created")
    live.add_fault(method="POST", path="/lists", fault=fault, times=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        live.call("POST", "/lists", json={"name": name})
    assert name not in live.list_names()


def test_a_status_before_the_service_writes_nothing(live):
    name = unique("Never created")
    live.add_fault(method="POST", path="/lists", status=503, times=1)
    assert live.call("POST", "/lists", json={"name": name}).status_code == 503
    assert name not in live.list_names()


# scope and the rule API


def test_faults_never_touch_the_control_api(live):
    live.add_fault(path="*", status=500)
    live.add_fault(path="/_mock/*", fault="connection_reset")
    assert live.call("GET", "/lists").status_code == 500
    for path in ("/_mock/faults", "/_mock/requests", "/_mock/outbox", "/_mock/health"):
        assert requests.get(live.base_url + path, timeout=TIMEOUT).status_code == 200, path


def test_rules_are_listed_with_remaining_and_hits_and_deleted_one_by_one(live):
    answer = requests.post(
        f"{live.base_url}/_mock/faults",
        json={
            "rules": [
                {"method": "get", "path": "/lists", "status": 500, "times": 3},
                {"path": "/companies", "status": 503},
            ]
        },
        timeout=TIMEOUT,
    )
    assert answer.status_code == 201
    first, second = answer.json()["rules"]
    assert first["method"] == "GET"
    assert (first["remaining"], first["hits"], first["when"]) == (3, 0, "before")
    assert second["remaining"] is None  # no `times`: applies until deleted
    live.call("GET", "/lists")
    listed = {rule["id"]: rule for rule in live.faults()}
    assert (listed[first["id"]]["remaining"], listed[first["id"]]["hits"]) == (2, 1)

    deleted = requests.delete(f"{live.base_url}/_mock/faults/{first['id']}", timeout=TIMEOUT)
    assert deleted.status_code == 200
    assert [rule["id"] for rule in live.faults()] == [second["id"]]
    assert live.call("GET", "/lists").status_code == 200
    assert live.call("GET", "/companies").status_code == 503

    again = requests.delete(f"{live.base_url}/_mock/faults/{first['id']}", timeout=TIMEOUT)
    assert again.status_code == 404
    assert again.json()["code"] == 404
    assert requests.delete(f"{live.base_url}/_mock/faults", timeout=TIMEOUT).status_code == 200
    assert live.faults() == []
    assert live.call("GET", "/companies").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"path": "/lists", "status": 500, "colour": "red"},
        {"path": "/lists", "fault": "explode"},
        {"path": "/lists"},
        {"path": "/lists", "status": 399},
        {"path": "/lists", "status": 600},
        {"path": "/lists", "status": "500"},
        {"path": "/lists", "status": 500, "probability": 1.5},
        {"path": "/lists", "status": 500, "probability": -0.1},
        {"path": "/lists", "status": 500, "times": 0},
        {"path": "/lists", "status": 500, "fault": "empty_response"},
        {"path": "/lists", "fault": "malformed_body", "when": "before"},
        {"path": "/lists", "status": 500, "when": "later"},
        {"path": "/lists", "fault": "empty_response", "retry_after": 1},
        {"method": "FETCH", "path": "/lists", "status": 500},
        {"path": "", "status": 500},
        {"path": "/lists", "delay_ms": -1},
        {"rules": [{"path": "/lists", "status": 500}, {"path": "/lists", "status": 42}]},
        {"rules": []},
        [{"path": "/lists", "status": 500}],
    ],
)
def test_invalid_rules_are_400_in_the_service_format_and_store_nothing(live, body):
    response = requests.post(f"{live.base_url}/_mock/faults", json=body, timeout=TIMEOUT)
    assert response.status_code == 400
    error = response.json()
    assert (error["status"], error["code"]) == (400, 400)
    assert error["errorMessage"].startswith("Bad Request (")
    assert live.faults() == []


def test_a_body_that_is_not_json_is_400(live):
    response = requests.post(
        f"{live.base_url}/_mock/faults",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 400
    assert response.json()["code"] == 400
