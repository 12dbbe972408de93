"""`GET /_mock/outbox`: the e-mails the mock sent, in order, filtered by address, kind, account."""

import re

import pytest

from tests.support import MAIN_ACCOUNT, OTHER_ACCOUNT

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000")


def form_code(app, spec=MAIN_ACCOUNT):
    """Setup: the form of the account's default list."""
    account = app.extensions["n2g_backend"].store.accounts_by_auth_key[spec.auth_key]
    [code] = list(account.forms)
    return code


def subscribe(client, code, address):
    response = client.post(f"/forms/submit/{code}", json={"recipient": {"email": address}})
    assert response.status_code == 200, response.get_data(as_text=True)


def outbox(client, **filters):
    response = client.get("/_mock/outbox", query_string=filters)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert list(body) == ["emails"]
    return body["emails"]


def addresses(emails):
    return [email["to"] for email in emails]


@pytest.fixture
def sent(app, client):
    """Three confirmations by the main account's form, one by the other account's."""
    main, other = form_code(app), form_code(app, OTHER_ACCOUNT)
    subscribe(client, main, "anna@example.org")
    subscribe(client, other, "bert@example.org")
    subscribe(client, main, "Carla@Example.org")
    subscribe(client, main, "anna@example.org")
    accounts = app.extensions["n2g_backend"].store.accounts_by_auth_key
    return accounts[MAIN_ACCOUNT.auth_key].account_id, accounts[OTHER_ACCOUNT.auth_key].account_id


def test_empty_outbox(client):
    assert outbox(client) == []


def test_needs_no_token(client):
    assert client.get("/_mock/outbox").status_code == 200
    bogus = {"Authorization": "Bearer not-a-token"}
    assert client.get("/_mock/outbox", headers=bogus).status_code == 200


def test_e_mails_come_in_send_order_with_all_their_fields(client, sent):
    emails = outbox(client)
    assert addresses(emails) == [
        "anna@example.org",
        "bert@example.org",
        "Carla@Example.org",
        "anna@example.org",
    ]
    first = emails[0]
    assert set(first) == {
        "id",
        "account_id",
        "kind",
        "to",
        "subject",
        "body",
        "sent_at",
        "link",
        "newsletter_id",
    }
    assert re.fullmatch(r"[a-z0-9]{8}", first["id"])
    assert len({email["id"] for email in emails}) == 4
    assert first["account_id"] == sent[0]
    assert first["kind"] == "doi_confirmation"
    assert TIMESTAMP.fullmatch(first["sent_at"])
    assert first["link"].startswith("http://localhost/forms/confirm/")
    assert first["newsletter_id"] is None


@pytest.mark.parametrize("to", ["anna@example.org", "ANNA@example.ORG", " anna@example.org "])
def test_filter_by_recipient_ignores_case(client, sent, to):
    emails = outbox(client, to=to)
    assert addresses(emails) == ["anna@example.org", "anna@example.org"]
    assert emails[0]["link"] != emails[1]["link"]
    assert addresses(outbox(client, to="carla@example.org")) == ["Carla@Example.org"]


def test_filter_by_kind(client, sent):
    assert len(outbox(client, kind="doi_confirmation")) == 4
    assert outbox(client, kind="mailing") == []


def test_filter_by_account(client, sent):
    main, other = sent
    assert addresses(outbox(client, account_id=other)) == ["bert@example.org"]
    assert len(outbox(client, account_id=main)) == 3
    assert outbox(client, account_id="unknown1") == []


def test_filters_combine(client, sent):
    main, other = sent
    assert len(outbox(client, to="anna@example.org", kind="doi_confirmation", account_id=main)) == 2
    assert outbox(client, to="anna@example.org", account_id=other) == []


def test_empty_filters_are_ignored(client, sent):
    assert len(outbox(client, to="", kind="", account_id="")) == 4


def test_outbox_is_read_only(client):
    response = client.post("/_mock/outbox", json={})
    assert response.status_code == 405
    assert response.get_json()["status"] == 405
