"""The account's company and user: developer mode, the default list, and a deleted user."""

import pytest

from tests.support import MAIN_ACCOUNT, basic, login


def company(api):
    body = api.get("/companies").get_json()
    assert body["info"]["count"] == 1
    return body["value"][0]


def the_user(api):
    [item] = api.get("/users").get_json()["value"]
    return api.get(f"/users/{item['id']}").get_json()["value"][0]


def test_company_is_shown_in_full_as_documented(api):
    body = api.get("/companies").get_json()
    assert body["info"]["links"]["_href"] == "http://localhost/companies?_limit=50&_offset=0"
    [shown] = body["value"]
    assert "_href" not in shown  # the documented example has none
    for key in ("id", "created_at", "modified_at", "name", "default_list_id", "language"):
        assert key in shown
    assert shown["default_list_id"] == api.default_list_id()


def test_patch_company(api, clock):
    company_id = company(api)["id"]
    clock.advance(5)
    response = api.patch(f"/companies/{company_id}", json={"name": "My Updated Company Name"})
    assert response.get_json() == {"status": 200, "info": {"count": 1}, "value": []}
    shown = company(api)
    assert shown["name"] == "My Updated Company Name"
    assert shown["modified_at"] > shown["created_at"]
    assert the_user(api)["name"] == "My Updated Company Name"


def test_default_list_id_decides_where_recipients_without_list_go(api):
    company_id = company(api)["id"]
    new_default = api.create_list("New default")
    assert (
        api.patch(f"/companies/{company_id}", json={"default_list_id": new_default}).status_code
        == 200
    )
    response = api.post("/recipients", json={"email": "where@example.org"})
    recipient_id = response.get_json()["value"][0]["id"]
    shown = api.get(f"/lists/{new_default}/recipients/{recipient_id}").get_json()["value"][0]
    assert shown["list_ids"] == [new_default]
    assert api.delete(f"/lists/{new_default}").status_code == 400  # now the default list


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"default_list_id": "zzzzzzzz"}, 404),
        ({"bill_email": "nope"}, 422),
        ({"bill_gender": "x"}, 422),
    ],
)
def test_invalid_company_changes_are_refused(api, body, status):
    before = company(api)
    assert api.patch(f"/companies/{before['id']}", json=body).status_code == status
    assert company(api) == before


def test_another_company_is_404(api, other_api):
    theirs = company(other_api)["id"]
    assert api.patch(f"/companies/{theirs}", json={"name": "Mine"}).status_code == 404
    assert company(other_api)["name"] != "Mine"


def test_user_details_with_developer_mode(api):
    listing = api.get("/users").get_json()
    assert listing["info"]["count"] == 1
    assert set(listing["value"][0]) == {"_href", "id"}
    shown = the_user(api)
    assert shown["is_developer_mode"] is True
    assert shown["email"] == MAIN_ACCOUNT.username
    assert shown["account_id"] == login(api.client)["account_id"]
    assert shown["company_id"] == company(api)["id"]
    assert shown["logged_in_at"]
    assert "password" not in " ".join(shown)


def test_an_account_without_developer_mode_shows_it(client):
    from mock_n2g import create_app
    from mock_n2g.backend import AccountSpec
    from mock_n2g.config import MockConfig
    from tests.support import Api

    spec = AccountSpec("nodev:secret", "nodev@example.org", "pw", is_developer_mode=False)
    api = Api(create_app(MockConfig(accounts=[spec])).test_client(), spec)
    assert the_user(api)["is_developer_mode"] is False


def test_patch_user(api):
    user_id = the_user(api)["id"]
    response = api.patch(
        f"/users/{user_id}", json={"language": "en_US", "is_developer_mode": False}
    )
    assert response.get_json() == {"status": 200, "info": {"count": 1}, "value": []}
    shown = the_user(api)
    assert (shown["language"], shown["is_developer_mode"]) == ("en_US", False)


@pytest.mark.parametrize(
    "body", [{"email": "new@example.org"}, {"gender": "x"}, {"is_developer_mode": "on"}]
)
def test_invalid_user_changes_are_422(api, body):
    before = the_user(api)
    user_id = before["id"]
    assert api.patch(f"/users/{user_id}", json=body).status_code == 422
    assert the_user(api) == before


def test_deleting_the_user_ends_its_access(api, client):
    user_id = the_user(api)["id"]
    assert api.delete(f"/users/{user_id}").get_json()["info"]["count"] == 1
    assert api.get("/lists").status_code == 401  # its token is gone
    response = client.post(
        "/oauth/v2/token",
        headers=basic(MAIN_ACCOUNT.auth_key),
        json={
            "username": MAIN_ACCOUNT.username,
            "password": MAIN_ACCOUNT.password,
            "grant_type": "https://nl2go.com/jwt",
        },
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_users_of_another_account_are_404(api, other_api):
    theirs = the_user(other_api)["id"]
    assert api.get(f"/users/{theirs}").status_code == 404
    assert api.patch(f"/users/{theirs}", json={"language": "en_US"}).status_code == 404
    assert api.delete(f"/users/{theirs}").status_code == 404
    assert the_user(other_api)["language"] == "de_DE"
