"""POST /oauth/v2/token and the bearer check on every resource endpoint."""

import base64

import pytest

from tests.support import MAIN_ACCOUNT, OTHER_ACCOUNT, PASSWORD_GRANT, REFRESH_GRANT, basic, login

TOKEN_KEYS = {
    "access_token",
    "expires_in",
    "token_type",
    "scope",
    "refresh_token",
    "account_id",
    "type",
}


def password_body(spec=MAIN_ACCOUNT, **overrides):
    return {
        "username": spec.username,
        "password": spec.password,
        "grant_type": PASSWORD_GRANT,
        **overrides,
    }


def test_password_grant_answers_the_documented_body_without_envelope(client):
    response = client.post(
        "/oauth/v2/token", headers=basic(MAIN_ACCOUNT.auth_key), json=password_body()
    )
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == TOKEN_KEYS
    assert body["expires_in"] == 7200
    assert body["token_type"] == "bearer"
    assert body["scope"] is None
    assert body["type"] == "user"
    assert body["access_token"] != body["refresh_token"]
    assert response.headers["Cache-Control"] == "no-store"


def test_form_urlencoded_body_works_like_json(client):
    response = client.post(
        "/oauth/v2/token", headers=basic(MAIN_ACCOUNT.auth_key), data=password_body()
    )
    assert response.status_code == 200
    assert response.get_json()["token_type"] == "bearer"


def test_auth_key_may_come_as_client_id_and_secret_in_the_body(client):
    client_id, client_secret = MAIN_ACCOUNT.auth_key.split(":", 1)
    body = password_body(client_id=client_id, client_secret=client_secret)
    response = client.post("/oauth/v2/token", json=body)
    assert response.status_code == 200


def test_requests_style_basic_auth_split_at_the_colon_is_the_same_key(client):
    client_id, client_secret = MAIN_ACCOUNT.auth_key.split(":", 1)
    raw = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    response = client.post(
        "/oauth/v2/token", headers={"Authorization": f"basic {raw}"}, json=password_body()
    )
    assert response.status_code == 200


def test_each_account_gets_its_own_account_id(client):
    assert login(client, MAIN_ACCOUNT)["account_id"] != login(client, OTHER_ACCOUNT)["account_id"]


@pytest.mark.parametrize(
    ("headers", "description"),
    [
        ({}, "Client id was not found in the headers or body"),
        ({"Authorization": "Basic %%%"}, "Client id was not found in the headers or body"),
        (basic("unknown:key"), "The client credentials are invalid"),
        (
            basic(OTHER_ACCOUNT.auth_key.replace("secret", "guess")),
            "The client credentials are invalid",
        ),
    ],
)
def test_missing_or_unknown_auth_key_is_invalid_client(client, headers, description):
    response = client.post("/oauth/v2/token", headers=headers, json=password_body())
    assert response.status_code == 400
    assert response.get_json() == {"error": "invalid_client", "error_description": description}


@pytest.mark.parametrize(
    "body",
    [
        password_body(password="wrong"),
        password_body(username="someone@example.org"),
        password_body(OTHER_ACCOUNT),  # right user, but of another account's auth key
    ],
)
def test_wrong_username_or_password_is_invalid_grant(client, body):
    response = client.post("/oauth/v2/token", headers=basic(MAIN_ACCOUNT.auth_key), json=body)
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "invalid_grant",
        "error_description": "Invalid username and password combination",
    }


def test_username_is_compared_case_insensitively(client):
    body = password_body(username=MAIN_ACCOUNT.username.upper())
    response = client.post("/oauth/v2/token", headers=basic(MAIN_ACCOUNT.auth_key), json=body)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"username": "a", "password": "b"}, "invalid_request"),
        (password_body(grant_type="password"), "unsupported_grant_type"),
        ({"grant_type": PASSWORD_GRANT}, "invalid_request"),
        ({"grant_type": REFRESH_GRANT}, "invalid_request"),
    ],
)
def test_incomplete_token_requests_are_400_with_an_oauth_error(client, body, error):
    response = client.post("/oauth/v2/token", headers=basic(MAIN_ACCOUNT.auth_key), json=body)
    assert response.status_code == 400
    assert response.get_json()["error"] == error
    assert response.get_json()["error_description"]


@pytest.mark.parametrize("grant_type", [PASSWORD_GRANT, REFRESH_GRANT])
def test_refresh_under_either_grant_type_rotates_the_refresh_token(client, grant_type):
    first = login(client)
    response = client.post(
        "/oauth/v2/token",
        headers=basic(MAIN_ACCOUNT.auth_key),
        json={"refresh_token": first["refresh_token"], "grant_type": grant_type},
    )
    assert response.status_code == 200
    renewed = response.get_json()
    assert set(renewed) == TOKEN_KEYS
    assert renewed["refresh_token"] != first["refresh_token"]
    assert renewed["access_token"] != first["access_token"]
    lists = client.get("/lists", headers={"Authorization": f"Bearer {renewed['access_token']}"})
    assert lists.status_code == 200


def refresh(client, refresh_token, auth_key=MAIN_ACCOUNT.auth_key):
    return client.post(
        "/oauth/v2/token",
        headers=basic(auth_key),
        json={"refresh_token": refresh_token, "grant_type": REFRESH_GRANT},
    )


def test_a_spent_refresh_token_is_refused(client):
    first = login(client)
    assert refresh(client, first["refresh_token"]).status_code == 200
    again = refresh(client, first["refresh_token"])
    assert again.status_code == 400
    assert again.get_json()["error"] == "invalid_grant"


def test_refresh_token_of_another_account_is_refused(client):
    other = login(client, OTHER_ACCOUNT)
    response = refresh(client, other["refresh_token"], MAIN_ACCOUNT.auth_key)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_unknown_refresh_token_is_invalid_grant(client):
    response = refresh(client, "__not.a.token")
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "invalid_grant",
        "error_description": "Invalid refresh token",
    }


def test_access_token_expires_after_7200_seconds_on_the_mock_clock(client, clock):
    token = login(client)["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    clock.advance(7199)
    assert client.get("/lists", headers=headers).status_code == 200
    clock.advance(1)
    response = client.get("/lists", headers=headers)
    assert response.status_code == 401
    assert response.get_json() == {
        "error": "invalid_grant",
        "error_description": "The access token provided has expired",
    }


def test_refresh_token_lives_a_month_then_is_refused(client, clock):
    first = login(client)
    clock.advance(29 * 24 * 3600)
    second = refresh(client, first["refresh_token"])
    assert second.status_code == 200
    clock.advance(30 * 24 * 3600 + 1)
    expired = refresh(client, second.get_json()["refresh_token"])
    assert expired.status_code == 400
    assert expired.get_json() == {
        "error": "invalid_grant",
        "error_description": "Refresh token has expired",
    }


def test_login_again_after_expiry_works(client, clock):
    login(client)
    clock.advance(40 * 24 * 3600)
    token = login(client)["access_token"]
    assert client.get("/lists", headers={"Authorization": f"Bearer {token}"}).status_code == 200


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Bearer nonsense", "Basic abc", "Token abc"],
)
@pytest.mark.parametrize("path", ["/lists", "/recipients", "/lists/abcdefgh/recipients"])
def test_resources_without_a_valid_token_are_401_invalid_grant(client, authorization, path):
    headers = {} if authorization is None else {"Authorization": authorization}
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    body = response.get_json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == "invalid_grant"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("method", ["post", "patch", "delete"])
def test_writes_without_token_change_nothing(client, api, method):
    list_id = api.create_list("Untouchable")
    response = getattr(client, method)(f"/lists/{list_id}", json={"name": "Changed"})
    assert response.status_code in {401, 405}
    assert api.get(f"/lists/{list_id}").get_json()["value"][0]["name"] == "Untouchable"


def test_bearer_scheme_is_case_insensitive_and_trailing_space_is_tolerated(client):
    token = login(client)["access_token"]
    assert client.get("/lists", headers={"Authorization": f"bearer {token} "}).status_code == 200


def test_token_endpoint_only_accepts_post(client):
    response = client.get("/oauth/v2/token")
    assert response.status_code == 405
    assert response.get_json()["status"] == 405


def test_basic_auth_wins_over_a_client_id_in_the_body(client):
    body = password_body(client_id="unknown", client_secret="nope")
    response = client.post("/oauth/v2/token", headers=basic(MAIN_ACCOUNT.auth_key), json=body)
    assert response.status_code == 200


def test_a_body_that_is_not_json_or_form_means_no_grant_type(client):
    response = client.post(
        "/oauth/v2/token",
        headers=basic(MAIN_ACCOUNT.auth_key),
        data=b"{broken",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
