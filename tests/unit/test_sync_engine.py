"""The engine's rules one by one, against the mock over real HTTP (plugin fixtures)."""

import pytest

from sync.engine import Engine
from sync.portal import read_events
from sync.state import State
from tests.sync_support import Account, event, lines, newsletter, subscribe, sync_client


@pytest.fixture
def state(tmp_path):
    state = State(tmp_path / "sync.sqlite")
    yield state
    state.close()


@pytest.fixture
def client(n2g_credentials, state):
    return sync_client(n2g_credentials, state)


@pytest.fixture
def account(n2g_credentials):
    return Account(n2g_credentials)


def push(client, state, *events, batch_size=500):
    parsed, errors = read_events(lines(*events))
    assert errors == []
    return Engine(client, state, batch_size=batch_size).push(parsed)


def writes(n2g_control):
    return [
        r
        for r in n2g_control.requests()
        if r["method"] in ("POST", "PATCH", "DELETE") and r["path"] != "/oauth/v2/token"
    ]


def test_newsletter_created_makes_exactly_one_list(client, state, account, n2g_control):
    created = newsletter("n1", "Weekly news")
    summary = push(client, state, created)
    assert summary.lists_created == 1
    assert account.list_count("Weekly news") == 1
    n2g_control.clear_requests()
    again = push(client, state, created, newsletter("n1", "Weekly news"))
    assert again.lists_created == 0
    assert account.list_count("Weekly news") == 1
    assert writes(n2g_control) == []


def test_two_newsletters_two_lists_and_rename(client, state, account):
    push(client, state, newsletter("n1", "Alpha"), newsletter("n2", "Beta"))
    summary = push(client, state, event("newsletter.renamed", newsletter_id="n1", name="Gamma"))
    assert summary.lists_renamed == 1
    assert set(account.lists()) == {"Default", "Gamma", "Beta"}


def test_subscriptions_are_batched_and_stored(client, state, account, n2g_control):
    subs = [subscribe(f"s{i}", "n1", f"user{i}@example.org", first_name=f"U{i}") for i in range(25)]
    summary = push(client, state, newsletter("n1", "Batched"), *subs, batch_size=10)
    assert summary.contacts_created == 25
    posts = n2g_control.requests(method="POST", path_prefix="/recipients")
    assert len(posts) == 3  # 10 + 10 + 5
    contacts = account.contacts(account.lists()["Batched"])
    assert len(contacts) == 25
    assert contacts["user7@example.org"]["first_name"] == "U7"
    assert state.subscription("s7").contact_id == contacts["user7@example.org"]["id"]


def test_interleaved_newsletters_still_fill_whole_batches(client, state, account, n2g_control):
    subs = [subscribe(f"s{i}", f"n{i % 2}", f"user{i}@example.org") for i in range(20)]
    lists = (newsletter("n0", "Even"), newsletter("n1", "Odd"))
    summary = push(client, state, *lists, *subs, batch_size=5)
    assert summary.contacts_created == 20
    posts = n2g_control.requests(method="POST", path_prefix="/recipients")
    assert [len(post["request_body"]) for post in posts] == [5, 5, 5, 5]
    assert len(account.contacts(account.lists()["Even"])) == 10
    assert len(account.contacts(account.lists()["Odd"])) == 10
    assert all(state.subscription(f"s{i}").contact_id for i in range(20))


def test_mixed_optional_fields_share_keys_per_request(client, state, n2g_control):
    push(
        client,
        state,
        newsletter("n1", "Mixed"),
        subscribe("s1", "n1", "a@example.org"),
        subscribe("s2", "n1", "b@example.org", first_name="B", gender="f"),
        subscribe("s3", "n1", "c@example.org"),
    )
    for request in n2g_control.requests(method="POST", path_prefix="/recipients"):
        body = request["request_body"]
        assert len({tuple(sorted(entry)) for entry in body}) == 1


def test_attributes_are_created_then_sent(client, state, account):
    push(
        client,
        state,
        newsletter("n1", "Attrs"),
        subscribe("s1", "n1", "a@example.org", attributes={"Plan": "gold"}),
    )
    list_id = account.lists()["Attrs"]
    names = [a["name"] for a in account.get(f"/lists/{list_id}/attributes?_expand=1")["value"]]
    assert names == ["Plan"]
    assert account.contacts(list_id)["a@example.org"]["Plan"] == "gold"


def test_email_change_patches_the_same_contact(client, state, account, n2g_control):
    push(client, state, newsletter("n1", "Changes"), subscribe("s1", "n1", "old@example.org"))
    list_id = account.lists()["Changes"]
    contact_id = account.contacts(list_id)["old@example.org"]["id"]
    summary = push(
        client, state, event("subscription.updated", subscription_id="s1", email="new@example.org")
    )
    assert summary.contacts_updated == 1
    contacts = account.contacts(list_id)
    assert list(contacts) == ["new@example.org"]
    assert contacts["new@example.org"]["id"] == contact_id
    patches = n2g_control.requests(method="PATCH")
    assert [p["path"] for p in patches] == [f"/lists/{list_id}/recipients/{contact_id}"]


def test_cancel_keeps_the_contact_unsubscribed_and_resubscribe_reactivates(client, state, account):
    push(client, state, newsletter("n1", "Cancel"), subscribe("s1", "n1", "c@example.org"))
    list_id = account.lists()["Cancel"]
    summary = push(client, state, event("subscription.cancelled", subscription_id="s1"))
    assert summary.contacts_unsubscribed == 1
    contact = account.contacts(list_id)["c@example.org"]
    assert contact["is_unsubscribed"] is True
    summary = push(client, state, subscribe("s1", "n1", "c@example.org"))
    assert summary.contacts_resubscribed == 1
    assert account.contacts(list_id)["c@example.org"]["is_unsubscribed"] is False
    assert len(account.contacts(list_id)) == 1


def test_nothing_but_a_resubscription_sends_is_unsubscribed_false(client, state, n2g_control):
    push(
        client,
        state,
        newsletter("n1", "Never false"),
        subscribe("s1", "n1", "a@example.org"),
        event("subscription.updated", subscription_id="s1", first_name="Ann"),
        event("subscription.cancelled", subscription_id="s1"),
    )
    for request in n2g_control.requests():
        assert '"is_unsubscribed": false' not in str(request["request_body"]).lower().replace(
            "'", '"'
        )


def test_a_mailing_unsubscribe_survives_unrelated_events(client, state, account):
    push(client, state, newsletter("n1", "Opt-out"), subscribe("s1", "n1", "out@example.org"))
    list_id = account.lists()["Opt-out"]
    contact_id = account.contacts(list_id)["out@example.org"]["id"]
    account.patch(f"/lists/{list_id}/recipients/{contact_id}", {"is_unsubscribed": True})
    push(
        client,
        state,
        subscribe("s2", "n1", "other@example.org"),
        event("subscription.updated", subscription_id="s1", last_name="Still out"),
    )
    contact = account.contacts(list_id)["out@example.org"]
    assert contact["is_unsubscribed"] is True
    assert contact["last_name"] == "Still out"


def test_same_person_in_two_newsletters_is_independent(client, state, account):
    push(
        client,
        state,
        newsletter("n1", "One"),
        newsletter("n2", "Two"),
        subscribe("s1", "n1", "p@example.org"),
        subscribe("s2", "n2", "p@example.org"),
        event("subscription.cancelled", subscription_id="s1"),
    )
    lists = account.lists()
    assert account.contacts(lists["One"])["p@example.org"]["is_unsubscribed"] is True
    assert account.contacts(lists["Two"])["p@example.org"]["is_unsubscribed"] is False


def test_unknown_references_become_dead_letters_and_the_rest_goes_on(client, state, account):
    summary = push(
        client,
        state,
        subscribe("s1", "nope", "a@example.org"),
        event("subscription.cancelled", subscription_id="never"),
        newsletter("n1", "Still made"),
    )
    assert len(summary.failures) == 2
    assert account.list_count("Still made") == 1
    assert len(state.dead_letters()) == 2


def test_replaying_processed_events_sends_no_write(client, state, n2g_control):
    events = [
        newsletter("n1", "Replay"),
        subscribe("s1", "n1", "r@example.org"),
        event("subscription.updated", subscription_id="s1", first_name="R"),
        event("subscription.cancelled", subscription_id="s1"),
    ]
    push(client, state, *events)
    n2g_control.clear_requests()
    summary = push(client, state, *events)
    assert summary.events_skipped == 4
    assert writes(n2g_control) == []
    assert n2g_control.requests(path_prefix="/oauth") == []  # the stored token is reused


def test_a_list_deleted_in_newsletter2go_is_reported_and_recreated(client, state, account):
    push(client, state, newsletter("n1", "Fragile"), subscribe("s1", "n1", "a@example.org"))
    old_id = account.lists()["Fragile"]
    account.session.delete(f"{account.base}/lists/{old_id}", timeout=10).raise_for_status()
    summary = push(client, state, subscribe("s2", "n1", "b@example.org"))
    assert any("deleted" in notice for notice in summary.notices)
    assert summary.lists_recreated == 1
    new_id = account.lists()["Fragile"]
    assert new_id != old_id
    assert "b@example.org" in account.contacts(new_id)
