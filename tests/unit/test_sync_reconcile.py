"""Reconcile's rules one by one, against the mock over real HTTP."""

import json

import pytest

from sync.engine import Engine
from sync.portal import read_events, read_snapshot
from sync.reconcile import Reconciler
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


def snapshot(newsletters, subscriptions):
    parsed, errors = read_snapshot(
        json.dumps(
            {
                "newsletters": [{"newsletter_id": n, "name": name} for n, name in newsletters],
                "subscriptions": [
                    {"newsletter_id": "n1", "status": "active", **s} for s in subscriptions
                ],
            }
        )
    )
    assert errors == []
    return parsed


def reconcile(client, state, snap, **kwargs):
    return Reconciler(client, state).run(snap, **kwargs)


def test_creates_the_missing_list_and_its_contacts(client, state, account):
    snap = snapshot([("n1", "Fresh")], [{"subscription_id": "s1", "email": "a@example.org"}])
    summary = reconcile(client, state, snap)
    assert (summary.lists_created, summary.contacts_created) == (1, 1)
    assert "a@example.org" in account.contacts(account.lists()["Fresh"])
    assert state.subscription("s1").contact_id is not None


def test_dry_run_plans_a_missing_list_and_writes_nothing(client, state, account, n2g_control):
    snap = snapshot([("n1", "Planned")], [{"subscription_id": "s1", "email": "a@example.org"}])
    summary = reconcile(client, state, snap, dry_run=True)
    assert summary.plan == ["create list 'Planned'", "create contact a@example.org in 'Planned'"]
    assert "Planned" not in account.lists()
    assert state.list_id("n1") is None
    assert [
        r for r in n2g_control.requests() if r["method"] != "GET" and r["path"] != "/oauth/v2/token"
    ] == []


def test_renames_a_list_whose_name_differs(client, state, account):
    reconcile(client, state, snapshot([("n1", "Old name")], []))
    summary = reconcile(client, state, snapshot([("n1", "New name")], []))
    assert summary.lists_renamed == 1
    assert "New name" in account.lists()
    assert "Old name" not in account.lists()


def test_recreates_a_list_deleted_in_newsletter2go(client, state, account):
    reconcile(
        client,
        state,
        snapshot([("n1", "Gone")], [{"subscription_id": "s1", "email": "a@example.org"}]),
    )
    old = account.lists()["Gone"]
    account.session.delete(f"{account.base}/lists/{old}", timeout=10).raise_for_status()
    summary = reconcile(
        client,
        state,
        snapshot([("n1", "Gone")], [{"subscription_id": "s1", "email": "a@example.org"}]),
    )
    assert any("deleted" in notice for notice in summary.notices)
    new = account.lists()["Gone"]
    assert new != old
    assert "a@example.org" in account.contacts(new)


def test_cancelled_in_the_portal_is_unsubscribed_and_kept(client, state, account):
    reconcile(
        client,
        state,
        snapshot([("n1", "C")], [{"subscription_id": "s1", "email": "a@example.org"}]),
    )
    summary = reconcile(
        client,
        state,
        snapshot(
            [("n1", "C")],
            [{"subscription_id": "s1", "email": "a@example.org", "status": "cancelled"}],
        ),
    )
    assert summary.contacts_unsubscribed == 1
    assert account.contacts(account.lists()["C"])["a@example.org"]["is_unsubscribed"] is True


def test_active_again_after_a_portal_cancellation_resubscribes(client, state, account):
    events, _ = read_events(
        lines(
            newsletter("n1", "R"),
            subscribe("s1", "n1", "a@example.org"),
            event("subscription.cancelled", subscription_id="s1"),
        )
    )
    Engine(client, state).push(events)
    summary = reconcile(
        client,
        state,
        snapshot([("n1", "R")], [{"subscription_id": "s1", "email": "a@example.org"}]),
    )
    assert summary.contacts_resubscribed == 1
    assert account.contacts(account.lists()["R"])["a@example.org"]["is_unsubscribed"] is False


def test_unsubscribed_in_newsletter2go_is_reported_not_overwritten(client, state, account):
    snap = snapshot([("n1", "U")], [{"subscription_id": "s1", "email": "a@example.org"}])
    reconcile(client, state, snap)
    list_id = account.lists()["U"]
    contact = account.contacts(list_id)["a@example.org"]
    account.patch(f"/lists/{list_id}/recipients/{contact['id']}", {"is_unsubscribed": True})
    summary = reconcile(client, state, snap)
    assert any("a@example.org" in notice for notice in summary.notices)
    assert account.contacts(list_id)["a@example.org"]["is_unsubscribed"] is True


def test_pages_through_a_big_list(client, state, account):
    subs = [{"subscription_id": f"s{i}", "email": f"p{i}@example.org"} for i in range(1200)]
    reconcile(client, state, snapshot([("n1", "Big")], subs))
    summary = reconcile(client, state, snapshot([("n1", "Big")], subs[:1100]))
    assert summary.contacts_unsubscribed == 100
    assert summary.contacts_created == 0
