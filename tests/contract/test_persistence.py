"""`--data FILE`: what a request reported as written survives a restart, even after kill -9;
and concurrent writers on one real server never break the unique-contact rule."""

import json
import signal
import threading

import pytest
import requests

from tests.serving import serve_cli

AUTH = ("persist_id", "persist-secret")
ENV = {
    "N2G_MOCK_AUTH_KEY": ":".join(AUTH),
    "N2G_MOCK_USERNAME": "persist@example.org",
    "N2G_MOCK_PASSWORD": "persist-pass",
    "N2G_MOCK_FORM_CODE": "persist1",
}
TIMEOUT = 10


def login(base: str) -> dict:
    response = requests.post(
        f"{base}/oauth/v2/token",
        auth=AUTH,
        json={
            "username": ENV["N2G_MOCK_USERNAME"],
            "password": ENV["N2G_MOCK_PASSWORD"],
            "grant_type": "https://nl2go.com/jwt",
        },
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    return response.json()


class Client:
    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, expected: int | None = None, **kwargs) -> dict:
        response = self.session.request(method, self.base + path, timeout=TIMEOUT, **kwargs)
        if expected is not None:
            assert response.status_code == expected, f"{method} {path}: {response.text}"
        return response.json()


def write_a_bit_of_everything(client: Client) -> dict:
    list_id = client.call("POST", "/lists", 201, json={"name": "Persisted list"})["value"][0]["id"]
    people = [
        {"list_id": list_id, "email": f"p{i}@example.org", "first_name": f"P{i}"} for i in range(30)
    ]
    ids = [item["id"] for item in client.call("POST", "/recipients", 201, json=people)["value"]]
    client.call(
        "PATCH", f"/lists/{list_id}/recipients/{ids[0]}", 200, json={"is_unsubscribed": True}
    )
    client.call("DELETE", f"/lists/{list_id}/recipients/{ids[1]}", 200)
    group = client.call("POST", "/groups", 201, json={"list_id": list_id, "name": "VIP"})
    group_id = group["value"][0]["id"]
    client.call("POST", f"/lists/{list_id}/groups/{group_id}/recipients/{ids[2]}", 201)
    client.call("POST", "/attributes", 201, json={"list_ids": [list_id], "name": "Plan"})
    client.call(
        "POST",
        "/recipients",
        200,
        json={"list_id": list_id, "email": "p3@example.org", "Plan": "gold"},
    )
    submitted = requests.post(
        f"{client.base}/forms/submit/persist1",
        json={"recipient": {"email": "doi@example.org"}},
        timeout=TIMEOUT,
    )
    assert submitted.status_code == 200
    link = requests.get(f"{client.base}/_mock/outbox", timeout=TIMEOUT).json()["emails"][0]["link"]
    assert requests.get(link, timeout=TIMEOUT).status_code == 200
    assert requests.post(
        f"{client.base}/_mock/clock", json={"advance_seconds": 60}, timeout=TIMEOUT
    ).ok
    return {"list_id": list_id, "group_id": group_id}


def read_everything(client: Client, made: dict) -> dict:
    list_id, group_id = made["list_id"], made["group_id"]
    return {
        "lists": client.call("GET", "/lists?_expand=1", 200)["value"],
        "recipients": client.call("GET", "/recipients?_expand=1&_limit=100", 200),
        "members": client.call("GET", f"/lists/{list_id}/groups/{group_id}/recipients", 200),
        "attributes": client.call("GET", f"/lists/{list_id}/attributes?_expand=1", 200),
        "outbox": requests.get(f"{client.base}/_mock/outbox", timeout=TIMEOUT).json(),
    }


def same_base(read: dict, base: str) -> str:
    """The service's answers with the (new) port taken out; the outbox is compared as sent."""
    return json.dumps({k: v for k, v in read.items() if k != "outbox"}).replace(base, "BASE")


def test_state_survives_kill_9_and_a_restart(tmp_path):
    data = str(tmp_path / "state.sqlite")
    with serve_cli("--data", data, env=ENV) as first:
        base = first_base = first.url()
        tokens = login(base)
        client = Client(base, tokens["access_token"])
        made = write_a_bit_of_everything(client)
        before = read_everything(client, made)
        clock_before = requests.get(f"{base}/_mock/clock", timeout=TIMEOUT).json()
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=5)

    with serve_cli("--data", data, env=ENV) as second:
        base = second.url()
        same_token = Client(base, tokens["access_token"])  # tokens were written too
        after = read_everything(same_token, made)
        assert after["outbox"] == before["outbox"]  # e-mails as sent, links and all
        assert same_base(after, base) == same_base(before, first_base)
        assert after["recipients"]["info"]["count"] == 30  # 30 added, 1 deleted, 1 opted in
        clock_after = requests.get(f"{base}/_mock/clock", timeout=TIMEOUT).json()
        assert clock_after["offset_seconds"] == clock_before["offset_seconds"]
        renewed = requests.post(
            f"{base}/oauth/v2/token",
            auth=AUTH,
            json={
                "refresh_token": tokens["refresh_token"],
                "grant_type": "https://nl2go.com/jwt_refresh",
            },
            timeout=TIMEOUT,
        )
        assert renewed.status_code == 200
        new_list = same_token.call("POST", "/lists", 201, json={"name": "After restart"})
        new_list_id = new_list["value"][0]["id"]
        assert second.interrupt() == 0

    with serve_cli("--data", data, env=ENV) as third:
        base = third.url()
        client = Client(base, login(base)["access_token"])
        names = {item["name"] for item in client.call("GET", "/lists?_expand=1", 200)["value"]}
        assert names == {"Default", "Persisted list", "After restart"}
        assert (
            client.call("GET", f"/lists/{new_list_id}", 200)["value"][0]["name"] == "After restart"
        )


def test_without_data_state_lives_in_memory_only(tmp_path):
    with serve_cli(env=ENV) as first:
        base = first.url()
        Client(base, login(base)["access_token"]).call(
            "POST", "/lists", 201, json={"name": "Fleeting"}
        )
        assert first.interrupt() == 0
    with serve_cli(env=ENV) as second:
        base = second.url()
        lists = Client(base, login(base)["access_token"]).call("GET", "/lists?_expand=1", 200)
        assert [item["name"] for item in lists["value"]] == ["Default"]


@pytest.mark.parametrize("with_data", [False, True], ids=["memory", "sqlite"])
def test_sixteen_threads_writing_the_same_emails_leave_one_contact_each(tmp_path, with_data):
    args = ("--data", str(tmp_path / "race.sqlite")) if with_data else ()
    with serve_cli(*args, env=ENV) as served:
        base = served.url()
        token = login(base)["access_token"]
        owner = Client(base, token)
        list_id = owner.call("POST", "/lists", 201, json={"name": "Race"})["value"][0]["id"]
        statuses: list[int] = []
        barrier = threading.Barrier(16)

        def writer(number: int) -> None:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {token}"
            barrier.wait()
            for round_ in range(5):
                batch = [
                    {
                        "list_id": list_id,
                        "email": f"Same{i}@Example.org ",
                        "last_name": f"w{number}r{round_}",
                    }
                    for i in range(20)
                ]
                response = session.post(f"{base}/recipients", json=batch, timeout=30)
                statuses.append(response.status_code)
                single = session.post(
                    f"{base}/recipients",
                    json={"list_id": list_id, "email": "same0@example.org"},
                    timeout=30,
                )
                statuses.append(single.status_code)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(set(statuses)) == [200, 201], "no 5xx, no refused write"
        assert len(statuses) == 16 * 5 * 2
        body = owner.call("GET", f"/lists/{list_id}/recipients?_expand=1&_limit=100", 200)
        assert body["info"]["count"] == 20
        assert sorted(item["email"].lower() for item in body["value"]) == sorted(
            f"same{i}@example.org" for i in range(20)
        )
