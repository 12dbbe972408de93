"""Calls exactly as the vendor's official PHP wrapper (newsletter2go/php-api) sends them.

The wrapper's `_curl()`: `Content-Type: application/json` on every request, GET and DELETE
included; GET/DELETE parameters appended as `?` + `http_build_query($data)` (so `true` becomes
`1`, `null` is left out, and an empty parameter array leaves a bare `?`); POST/PATCH bodies from
`json_encode($data)` with `null` for every optional argument the caller did not set (and `/`
escaped as `\\/`). Its `curl()` treats `error == "invalid_grant"` in a response as an expired token.
"""

import base64
import json
from urllib.parse import urlencode

from tests.support import MAIN_ACCOUNT

PASSWORD_GRANT = "https://nl2go.com/jwt"
REFRESH_GRANT = "https://nl2go.com/jwt_refresh"
LIST_ARGUMENTS = (
    "uses_econda",
    "uses_googleanalytics",
    "has_opentracking",
    "has_clicktracking",
    "has_conversiontracking",
    "imprint",
    "header_from_email",
    "header_from_name",
    "header_reply_email",
    "header_reply_name",
    "tracking_url",
    "landingpage",
    "use_ecg_list",
)


def http_build_query(data: dict) -> str:
    """PHP's http_build_query: booleans as 1/0, null values left out, spaces as `+`."""
    return urlencode(
        [(k, int(v) if isinstance(v, bool) else v) for k, v in data.items() if v is not None]
    )


def json_encode(data) -> str:
    """PHP's json_encode defaults: compact, non-ASCII as \\u escapes, slashes escaped."""
    return json.dumps(data, separators=(",", ":")).replace("/", "\\/")


class PhpWrapper:
    """Newsletter2Go_REST_Api's request building, on the Flask test client."""

    def __init__(self, client) -> None:
        self.client = client
        self.access_token = ""
        self.refresh_token = ""

    def _curl(self, authorization: str, endpoint: str, data: dict, method: str = "GET"):
        headers = {"Content-Type": "application/json", "Authorization": authorization}
        if method in ("POST", "PATCH"):
            return self.client.open(
                endpoint, method=method, headers=headers, data=json_encode(data)
            )
        separator = "&" if "?" in endpoint else "?"
        url = endpoint + separator + http_build_query(data)
        return self.client.open(url, method=method, headers=headers, data=b"")

    def get_token(self):
        auth = "Basic " + base64.b64encode(MAIN_ACCOUNT.auth_key.encode()).decode()
        data = {
            "username": MAIN_ACCOUNT.username,
            "password": MAIN_ACCOUNT.password,
            "grant_type": PASSWORD_GRANT,
        }
        response = self._curl(auth, "/oauth/v2/token", data, "POST")
        self._keep(response)
        return response

    def refresh(self):
        auth = "Basic " + base64.b64encode(MAIN_ACCOUNT.auth_key.encode()).decode()
        data = {"refresh_token": self.refresh_token, "grant_type": REFRESH_GRANT}
        response = self._curl(auth, "/oauth/v2/token", data, "POST")
        self._keep(response)
        return response

    def _keep(self, response) -> None:
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        self.access_token, self.refresh_token = body["access_token"], body["refresh_token"]

    def raw(self, endpoint: str, data: dict, method: str = "GET"):
        """One `_curl` with the current token, no retry."""
        return self._curl(f"Bearer {self.access_token}", endpoint, data, method)

    def curl(self, endpoint: str, data: dict, method: str = "GET"):
        """The wrapper's `curl()`: log in when needed, and once more on `invalid_grant`."""
        if not self.access_token:
            self.get_token()
        response = self.raw(endpoint, data, method)
        if (response.get_json(silent=True) or {}).get("error") == "invalid_grant":
            self.get_token()
            response = self.raw(endpoint, data, method)
        return response


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def create_list(php: PhpWrapper, name: str, **arguments) -> str:
    """createList($name, ...): every argument the caller leaves out is sent as null."""
    data = {"name": name, **{argument: arguments.get(argument) for argument in LIST_ARGUMENTS}}
    return ok(php.curl("/lists", data, "POST"), 201)["value"][0]["id"]


def update_recipient_list(php: PhpWrapper, list_id: str, email: str, **arguments):
    """updateRecipientList(): POST /recipients with null for everything not given."""
    names = ("phone", "gender", "first_name", "last_name", "is_unsubscribed", "is_blacklisted")
    data = {"list_id": list_id, "email": email, **{n: arguments.get(n) for n in names}}
    return php.curl("/recipients", data, "POST")


def recipient(php: PhpWrapper, list_id: str, recipient_id: str) -> dict:
    endpoint = f"/lists/{list_id}/recipients/{recipient_id}"
    return ok(php.curl(endpoint, {"_expand": True}))["value"][0]


def test_login_sends_json_and_gets_tokens(client):
    php = PhpWrapper(client)
    body = php.get_token().get_json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 7200
    assert php.access_token
    assert php.refresh_token


def test_get_lists_with_expand_1(client):
    php = PhpWrapper(client)
    list_id = create_list(php, "PHP list", imprint="https://example.org/imprint")
    body = ok(php.curl("/lists", {"_expand": True}))
    assert body["info"]["links"]["_href"].endswith("_expand=1"), body["info"]
    by_id = {item["id"]: item for item in body["value"]}
    assert by_id[list_id]["name"] == "PHP list", "_expand=1 must expand like _expand=true"
    assert by_id[list_id]["imprint"] == "https://example.org/imprint", "json_encode's \\/ decoded"
    details = ok(php.curl(f"/lists/{list_id}", {"_expand": True}))["value"][0]
    assert details["has_opentracking"] is True


def test_create_list_with_nulls_keeps_the_defaults(client):
    php = PhpWrapper(client)
    list_id = create_list(php, "Nur der Name")
    shown = ok(php.curl(f"/lists/{list_id}", {"_expand": True}))["value"][0]
    assert shown["name"] == "Nur der Name"
    assert shown["has_opentracking"] is True
    assert shown["has_clicktracking"] is True
    assert shown["uses_econda"] is False
    assert shown["use_ecg_list"] is False
    for unset in ("imprint", "tracking_url", "landingpage", "header_from_email"):
        assert unset not in shown, f"null {unset} must count as not given: {shown}"


def test_update_list_with_nulls_keeps_values(client):
    php = PhpWrapper(client)
    list_id = create_list(php, "Old", imprint="https://example.org/i", has_opentracking=False)
    data = {"name": "Neu", **dict.fromkeys(LIST_ARGUMENTS)}
    assert ok(php.curl(f"/lists/{list_id}", data, "PATCH"))["info"]["count"] == 1
    shown = ok(php.curl(f"/lists/{list_id}", {"_expand": True}))["value"][0]
    assert shown["name"] == "Neu"
    assert shown["imprint"] == "https://example.org/i", "null wiped the imprint"
    assert shown["has_opentracking"] is False, "null reset has_opentracking"


def test_recipient_created_and_updated_with_nulls_keeps_its_values(client):
    php = PhpWrapper(client)
    list_id = create_list(php, "Kontakte")
    created = ok(update_recipient_list(php, list_id, "juergen@example.org", first_name="Jürgen"))
    assert created["info"]["additional"]["invalid_recipients"] == []
    recipient_id = created["value"][0]["id"]

    again = update_recipient_list(
        php, list_id, "juergen@example.org", last_name="Müller", phone="+49301234"
    )
    assert ok(again)["value"][0]["id"] == recipient_id, "upsert by email must update, not create"
    shown = recipient(php, list_id, recipient_id)
    assert shown["first_name"] == "Jürgen", f"null first_name wiped the value: {shown}"
    assert shown["last_name"] == "Müller"
    assert shown["phone"] == "+49301234"

    # updateRecipient(): the wrapper's body shape, sent with the documented PATCH
    data = dict.fromkeys(("email", "phone", "first_name", "last_name", "is_unsubscribed"))
    data |= {"gender": "m", "is_blacklisted": None}
    endpoint = f"/lists/{list_id}/recipients/{recipient_id}"
    assert ok(php.curl(endpoint, data, "PATCH"))["info"]["count"] == 1
    shown = recipient(php, list_id, recipient_id)
    assert shown["gender"] == "m"
    assert shown["email"] == "juergen@example.org", f"null email changed the address: {shown}"
    assert (shown["first_name"], shown["last_name"], shown["phone"]) == (
        "Jürgen",
        "Müller",
        "+49301234",
    )
    assert shown["is_unsubscribed"] is False
    assert shown["is_blacklisted"] is False


def test_get_recipients_with_expand_limit_and_offset(client):
    php = PhpWrapper(client)
    list_id = create_list(php, "Seiten")
    emails = [f"person{n}@example.org" for n in range(5)]
    for email in emails:
        ok(update_recipient_list(php, list_id, email, first_name="P"))
    query = {"_expand": True, "_limit": 2, "_offset": 1}
    body = ok(php.curl(f"/lists/{list_id}/recipients", query))
    assert [item["email"] for item in body["value"]] == emails[1:3], body["value"]
    assert body["info"]["count"] == 5
    assert body["info"]["additional"]["active"] == 5
    assert "_expand=1" in body["info"]["links"]["_href"]
    assert "_next" in body["info"]["links"]
    everywhere = ok(php.curl("/recipients", {"_expand": True, "_limit": 2, "_offset": 0}))
    assert len(everywhere["value"]) == 2
    assert "email" in everywhere["value"][0]


def test_delete_with_json_content_type_and_empty_body(client):
    php = PhpWrapper(client)
    list_id = create_list(php, "Weg damit")
    recipient_id = ok(update_recipient_list(php, list_id, "gone@example.org"))["value"][0]["id"]
    deleted = php.curl(f"/lists/{list_id}/recipients/{recipient_id}", {}, "DELETE")
    assert ok(deleted) == {"status": 200, "info": {"count": 1}, "value": []}
    assert ok(php.curl(f"/lists/{list_id}", {}, "DELETE"))["info"]["count"] == 1
    assert php.curl(f"/lists/{list_id}", {"_expand": True}).status_code == 404


def test_expired_token_is_detected_by_invalid_grant_and_refreshed(client, clock):
    php = PhpWrapper(client)
    php.get_token()
    first_access = php.access_token
    clock.advance(7201)
    expired = php.raw("/lists", {"_expand": True})
    assert expired.status_code == 401, expired.get_data(as_text=True)
    assert expired.get_json()["error"] == "invalid_grant", "the wrapper looks for exactly this"
    assert php.refresh().get_json()["expires_in"] == 7200
    assert php.access_token != first_access
    assert ok(php.raw("/lists", {"_expand": True}))["info"]["count"] >= 1


def test_wrapper_logs_in_again_after_expiry(client, clock):
    php = PhpWrapper(client)
    php.get_token()
    clock.advance(7201)
    body = ok(php.curl("/lists", {"_expand": True}))  # 401 invalid_grant -> getToken -> retry
    assert body["value"][0]["name"] == "Default"
