"""The control API: reset, accounts, clock, health, and who may call it."""

import pytest

from mock_n2g import create_app
from mock_n2g.cli import control_policy
from mock_n2g.config import MockConfig
from mock_n2g.control import ControlPolicy
from tests.support import MAIN_ACCOUNT, OTHER_ACCOUNT, PASSWORD_GRANT, Api, basic


def accounts(client):
    return {a["username"]: a for a in client.get("/_mock/accounts").get_json()["accounts"]}


def test_health_is_always_answered(client):
    assert client.get("/_mock/health").get_json() == {"status": "ok"}
    for policy in (
        ControlPolicy(enabled=False),
        ControlPolicy(refusal="no"),
        ControlPolicy(admin_token="t"),
    ):
        app = create_app(MockConfig(accounts=[MAIN_ACCOUNT], control=policy))
        assert app.test_client().get("/_mock/health").status_code == 200


def test_accounts_are_listed_without_credentials(client):
    listed = client.get("/_mock/accounts").get_json()["accounts"]
    assert {a["username"] for a in listed} == {MAIN_ACCOUNT.username, OTHER_ACCOUNT.username}
    text = client.get("/_mock/accounts").get_data(as_text=True)
    for secret in (MAIN_ACCOUNT.password, MAIN_ACCOUNT.auth_key, OTHER_ACCOUNT.password):
        assert secret not in text


def test_create_account_and_log_in_with_it(client):
    body = {"auth_key": "new_id:new_secret", "username": "new@example.org", "password": "pw"}
    response = client.post("/_mock/accounts", json=body)
    assert response.status_code == 201
    created = response.get_json()
    assert created["is_developer_mode"] is True
    assert "password" not in created
    assert "auth_key" not in created
    api = Api(client, MAIN_ACCOUNT.__class__(body["auth_key"], body["username"], body["password"]))
    lists = api.get("/lists").get_json()["value"]
    assert [item["id"] for item in lists] == [created["default_list_id"]]
    token = client.post(
        "/oauth/v2/token",
        headers=basic(body["auth_key"]),
        json={"username": body["username"], "password": "pw", "grant_type": PASSWORD_GRANT},
    ).get_json()
    assert token["account_id"] == created["account_id"]


def test_create_account_without_developer_mode(client):
    body = {
        "auth_key": "a:b",
        "username": "nodev@example.org",
        "password": "pw",
        "is_developer_mode": False,
    }
    assert client.post("/_mock/accounts", json=body).get_json()["is_developer_mode"] is False


def test_duplicate_auth_key_is_409(client):
    body = {"auth_key": MAIN_ACCOUNT.auth_key, "username": "x@example.org", "password": "pw"}
    response = client.post("/_mock/accounts", json=body)
    assert response.status_code == 409
    assert response.get_json()["status"] == 409
    assert len(accounts(client)) == 2


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"auth_key": "a:b", "username": "u@example.org"},
        {"auth_key": "a:b", "username": "u@example.org", "password": ""},
        {
            "auth_key": "a:b",
            "username": "u@example.org",
            "password": "p",
            "is_developer_mode": "yes",
        },
        {"auth_key": "a:b", "username": "u@example.org", "password": "p", "extra": 1},
        {"auth_key": "a:b", "username": "u@example.org", "password": "p", "form_code": "BAD"},
    ],
)
def test_invalid_account_is_400(client, body):
    response = client.post("/_mock/accounts", json=body)
    assert response.status_code == 400
    assert set(response.get_json()) == {"status", "code", "errorMessage"}
    assert len(accounts(client)) == 2


def test_reset_empties_data_but_keeps_configured_accounts_and_ids(client, api, other_api):
    before = accounts(client)
    list_id = api.create_list("Gone after reset")
    api.add(list_id, {"email": "a@example.org"})
    client.post(
        "/_mock/accounts", json={"auth_key": "x:y", "username": "tmp@example.org", "password": "p"}
    )
    response = client.post("/_mock/reset")
    assert response.status_code == 200
    after = accounts(client)
    assert set(after) == {MAIN_ACCOUNT.username, OTHER_ACCOUNT.username}
    for name in after:
        assert after[name]["account_id"] == before[name]["account_id"]
        assert after[name]["company_id"] == before[name]["company_id"]
    assert api.get("/lists").status_code == 401  # tokens are data too
    fresh = Api(client, MAIN_ACCOUNT)
    body = fresh.get("/lists?_expand=1").get_json()
    assert [item["name"] for item in body["value"]] == ["Default"]
    assert fresh.get("/recipients").get_json()["info"]["count"] == 0
    assert client.get("/_mock/outbox").get_json()["emails"] == []


def test_reset_of_one_account_leaves_the_others_alone(client, api, other_api):
    mine = api.create_list("Mine")
    theirs = other_api.create_list("Theirs")
    account_id = accounts(client)[MAIN_ACCOUNT.username]["account_id"]
    assert client.post("/_mock/reset", json={"account_id": account_id}).status_code == 200
    assert Api(client, MAIN_ACCOUNT).get(f"/lists/{mine}").status_code == 404
    assert other_api.get(f"/lists/{theirs}").status_code == 200


def test_reset_of_an_unknown_account_is_404(client):
    assert client.post("/_mock/reset", json={"account_id": "zzzzzzzz"}).status_code == 404


def test_clock_moves_forward_and_tokens_expire(client, api):
    now = client.get("/_mock/clock").get_json()
    assert now["offset_seconds"] == 0
    response = client.post("/_mock/clock", json={"advance_seconds": 7200})
    assert response.get_json()["offset_seconds"] == 7200
    assert response.get_json()["now"] > now["now"]
    failed = api.get("/lists")
    assert failed.status_code == 401
    assert failed.get_json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "body", [{}, {"advance_seconds": -5}, {"advance_seconds": "10"}, {"advance_seconds": True}]
)
def test_clock_refuses_nonsense(client, body):
    assert client.post("/_mock/clock", json=body).status_code == 400
    assert client.get("/_mock/clock").get_json()["offset_seconds"] == 0


def test_control_body_must_be_an_object(client):
    assert (
        client.post("/_mock/reset", data="[1]", content_type="application/json").status_code == 400
    )


def make_client(policy):
    return create_app(MockConfig(accounts=[MAIN_ACCOUNT], control=policy)).test_client()


@pytest.mark.parametrize("path", ["/_mock/outbox", "/_mock/accounts", "/_mock/clock"])
def test_switched_off_control_is_404(path):
    response = make_client(ControlPolicy(enabled=False)).get(path)
    assert response.status_code == 404


def test_admin_token_is_required_when_set():
    client = make_client(ControlPolicy(admin_token="s3cret-token"))
    refused = client.post("/_mock/reset")
    assert refused.status_code == 403
    assert "X-Mock-Admin-Token" in refused.get_json()["errorMessage"]
    assert client.post("/_mock/reset", headers={"X-Mock-Admin-Token": "wrong"}).status_code == 403
    assert (
        client.post("/_mock/reset", headers={"X-Mock-Admin-Token": "s3cret-token"}).status_code
        == 200
    )


def test_refused_control_is_403_with_the_reason():
    client = make_client(ControlPolicy(refusal="the control API on 0.0.0.0 needs --admin-token"))
    response = client.post("/_mock/clock", json={"advance_seconds": 1})
    assert response.status_code == 403
    assert "--admin-token" in response.get_json()["errorMessage"]


@pytest.mark.parametrize(
    ("host", "token", "off", "expected"),
    [
        ("127.0.0.1", None, False, ControlPolicy()),
        ("localhost", None, False, ControlPolicy()),
        ("::1", None, False, ControlPolicy()),
        ("127.0.0.1", "t", False, ControlPolicy(admin_token="t")),
        ("0.0.0.0", "t", False, ControlPolicy(admin_token="t")),
        ("127.0.0.1", None, True, ControlPolicy(enabled=False)),
    ],
)
def test_cli_policy(host, token, off, expected):
    assert control_policy(host, token, off) == expected


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::"])
def test_cli_policy_refuses_control_elsewhere_without_a_token(host):
    policy = control_policy(host, None, False)
    assert policy.enabled
    assert host in policy.refusal


def test_policy_repr_hides_the_token():
    assert "s3cret" not in repr(ControlPolicy(admin_token="s3cret"))


def test_an_empty_admin_token_counts_as_none():
    assert control_policy("127.0.0.1", "", False) == ControlPolicy()
    assert control_policy("0.0.0.0", "", False).refusal
