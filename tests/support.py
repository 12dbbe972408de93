"""Helpers for tests that talk to the mock through Flask's test client."""

import base64
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from mock_n2g.backend import AccountSpec

PASSWORD_GRANT = "https://nl2go.com/jwt"
REFRESH_GRANT = "https://nl2go.com/jwt_refresh"

MAIN_ACCOUNT = AccountSpec(
    auth_key="main_client:main_secret", username="main@example.org", password="main-pass"
)
OTHER_ACCOUNT = AccountSpec(
    auth_key="other_client:other_secret", username="other@example.org", password="other-pass"
)


def basic(auth_key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(auth_key.encode()).decode()}


def login(client: FlaskClient, spec: AccountSpec = MAIN_ACCOUNT) -> dict[str, Any]:
    response = client.post(
        "/oauth/v2/token",
        headers=basic(spec.auth_key),
        json={"username": spec.username, "password": spec.password, "grant_type": PASSWORD_GRANT},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


class Api:
    """The test client with a bearer token of one account on every request."""

    def __init__(self, client: FlaskClient, spec: AccountSpec = MAIN_ACCOUNT) -> None:
        self.client = client
        self.token = login(client, spec)["access_token"]

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.get(path, headers=self.headers(kwargs.pop("headers", None)), **kwargs)

    def post(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.post(path, headers=self.headers(kwargs.pop("headers", None)), **kwargs)

    def patch(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.patch(path, headers=self.headers(kwargs.pop("headers", None)), **kwargs)

    def delete(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.delete(path, headers=self.headers(kwargs.pop("headers", None)), **kwargs)

    # shortcuts for arranging data

    def create_list(self, name: str = "Weekly news", **fields: Any) -> str:
        response = self.post("/lists", json={"name": name, **fields})
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.get_json()["value"][0]["id"]

    def add(self, list_id: str, *recipients: dict[str, Any]) -> list[str]:
        body = [{"list_id": list_id, **r} for r in recipients]
        response = self.post("/recipients", json=body)
        assert response.status_code == 201, response.get_data(as_text=True)
        return [item["id"] for item in response.get_json()["value"]]

    def default_list_id(self) -> str:
        lists = self.get("/lists?_expand=true").get_json()["value"]
        return next(item["id"] for item in lists if item["name"] == "Default")
