"""State: safe under concurrent requests, indexed lookups, pages that do not scan."""

import threading

import pytest
from sortedcontainers import SortedKeyList

from mock_n2g.backend.accounts import new_member_index


class NoScan(SortedKeyList):
    """A member index that fails any full iteration: proves a code path never scans a list."""

    def __iter__(self):
        raise AssertionError("the whole list was scanned")


def index_without_scans(mailing_list):
    guarded = NoScan(key=mailing_list.members.key)
    guarded.update(mailing_list.members)
    mailing_list.members = guarded


@pytest.fixture
def big_list(app, api):
    list_id = api.create_list("Big")
    api.add(list_id, *({"email": f"user{i:04}@example.org"} for i in range(2000)))
    backend = app.extensions["n2g_backend"]
    mailing_list = backend.store.lists[list_id]
    index_without_scans(mailing_list)
    return list_id


def test_unfiltered_pages_are_sliced_not_scanned(api, big_list):
    body = api.get(f"/lists/{big_list}/recipients?_offset=1990&_limit=50&_expand=1").get_json()
    assert body["value"][0]["email"] == "user1990@example.org"
    assert len(body["value"]) == 10
    assert body["info"]["count"] == 2000
    assert api.get("/recipients?_offset=1500&_limit=5").status_code == 200


def test_upsert_and_lookups_use_indexes_not_scans(api, big_list):
    [recipient_id] = api.add(big_list, {"email": "USER0007@example.org", "first_name": "Seven"})
    shown = api.get(f"/lists/{big_list}/recipients/{recipient_id}").get_json()["value"][0]
    assert shown["email"] == "user0007@example.org"
    assert shown["first_name"] == "Seven"
    assert (
        api.patch(f"/lists/{big_list}/recipients/{recipient_id}", json={"phone": "1"}).status_code
        == 200
    )
    assert api.delete(f"/lists/{big_list}/recipients/{recipient_id}").status_code == 200


def test_parallel_posts_of_one_email_leave_exactly_one_contact(app, api):
    list_id = api.create_list("Race")
    barrier = threading.Barrier(8)
    statuses = []

    def post(n):
        client = app.test_client()
        barrier.wait()
        response = client.post(
            "/recipients",
            headers=api.headers(),
            json={"list_id": list_id, "email": "race@example.org", "first_name": f"T{n}"},
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 8
    body = api.get(f"/lists/{list_id}/recipients?_expand=1").get_json()
    assert body["info"]["count"] == 1
    assert body["info"]["additional"]["active"] == 1


def test_parallel_writers_of_many_contacts_lose_none(app, api):
    list_id = api.create_list("Many writers")

    def post_batch(worker):
        client = app.test_client()
        for start in range(0, 200, 50):
            batch = [
                {"list_id": list_id, "email": f"w{worker}-{i}@example.org"}
                for i in range(start, start + 50)
            ]
            assert client.post("/recipients", headers=api.headers(), json=batch).status_code == 201

    threads = [threading.Thread(target=post_batch, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    body = api.get(f"/lists/{list_id}/recipients").get_json()
    assert body["info"]["count"] == 800
    assert body["info"]["additional"]["active"] == 800


def test_member_index_orders_by_creation():
    class Item:
        def __init__(self, seq):
            self.seq = seq

    index = new_member_index()
    for seq in (5, 1, 3):
        index.add(Item(seq))
    assert [item.seq for item in index] == [1, 3, 5]
