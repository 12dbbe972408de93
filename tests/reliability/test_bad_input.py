"""Test 10, bad input over real HTTP: each gets a clear 4xx in the service's error format, the
mock keeps serving, and the account is exactly as before.

Decisions (where the service is not documented):
- Control characters *escaped* in JSON (`"\\u0007"`) are accepted in list and contact names and
  stored as sent. The service stores what its JSON decoder gives it and documents no character
  rule for names; refusing them would make the mock stricter than the service, and the sync
  passes portal names through as written. Raw control characters inside a JSON string are
  not JSON (RFC 8259) and get a 400, as any JSON parser refuses them. In an e-mail address a
  control character makes the address invalid: reported in `invalid_recipients`, not saved.
- A JSON body under another Content-Type (`text/plain`, none) is read as JSON, as documented
  (clients are sloppy about it); a body that is not JSON (a form, XML, multipart) is a 400.
- `_limit` above 100,000 (the most the mock's OpenAPI contract publishes), e.g. `10**12`, is a
  400 naming `_limit`; the largest page is served from what exists.
"""

import json
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
import requests

from tests.reliability.campaign import Reader

TIMEOUT = 30
DEEP = "[" * 10_000 + "]" * 10_000  # JSON nested 10,000 deep
TWO_MIB = 2 * 1024 * 1024
ERROR_KEYS = {"status", "code", "errorMessage"}
OAUTH_KEYS = {"error", "error_description"}
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def world(n2g_credentials):
    """The account with a list of contacts, a segment and an attribute; logged in."""
    reader = Reader(n2g_credentials)
    session, base = reader.session, n2g_credentials.base_url
    list_id = session.post(f"{base}/lists", json={"name": "Guarded"}, timeout=TIMEOUT).json()[
        "value"
    ][0]["id"]
    people = [{"list_id": list_id, "email": f"g{i}@example.org", "Plan": "gold"} for i in range(5)]
    assert session.post(f"{base}/recipients", json=people, timeout=TIMEOUT).status_code == 201
    group = {"list_id": list_id, "name": "Some", "is_dynamic": True, "filter": 'email=like="%1%"'}
    assert session.post(f"{base}/groups", json=group, timeout=TIMEOUT).status_code == 201
    return reader, list_id


def account_snapshot(reader: Reader) -> dict:
    """Everything the account has, read through the API."""
    snapshot = {
        "lists": reader.get("/lists", _expand="true", _limit=500)["value"],
        "companies": reader.get("/companies")["value"],
        "users": reader.get("/users", _expand="true")["value"],
    }
    for item in snapshot["lists"]:
        for collection in ("recipients", "groups", "attributes", "newsletters"):
            path = f"/lists/{item['id']}/{collection}"
            snapshot[path] = reader.get(path, _expand="true", _limit=500)
    return snapshot


def token_request(credentials) -> dict:
    client_id, _, secret = credentials.auth_key.partition(":")
    return {"auth": (client_id, secret), "url": f"{credentials.base_url}/oauth/v2/token"}


def many_terms(count: int) -> str:
    """Short terms, so the URL stays within the server's 256 KiB limit of a request head."""
    return ",".join(f'id=="{i}"' for i in range(count))


@dataclass(frozen=True)
class Bad:
    """One bad request and the answer it must get: `status`, and `says` in the message."""

    name: str
    method: str
    path: str
    request: dict = field(default_factory=dict)
    status: int = 400
    says: str = "malformed JSON body"


def bad_requests(list_id: str) -> list[Bad]:
    recipients = f"/lists/{list_id}/recipients"
    big = [
        {"list_id": list_id, "email": f"big{i}@example.org", "first_name": "x" * 200}
        for i in range(TWO_MIB // 230)
    ]
    huge_filter = quote(many_terms(10_000))
    one = quote('email=="g1@example.org"')
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    xml = {"Content-Type": "application/xml"}
    contact = b'[{"list_id": "%s", "email": "\xff@x.org"}]' % list_id.encode()
    too_large = "Request Entity Too Large"
    return [
        Bad("non-UTF-8 list", "POST", "/lists", {"data": b'{"name": "Caf\xe9"}', "headers": JSON}),
        Bad("non-UTF-8 contacts", "POST", "/recipients", {"data": contact}),
        Bad("non-UTF-8 change", "PATCH", f"/lists/{list_id}", {"data": b'{"name": "\xfe"}'}),
        Bad("deep JSON list", "POST", "/lists", {"data": DEEP, "headers": JSON}),
        Bad("deep JSON contacts", "POST", "/recipients", {"data": DEEP, "headers": JSON}),
        Bad(
            "deep JSON in a field",
            "PATCH",
            f"{recipients}?_filter={one}",
            {"data": '{"first_name": ' + DEEP + "}", "headers": JSON},
        ),
        Bad("deep JSON segment", "POST", "/groups", {"data": DEEP, "headers": JSON}),
        Bad("deep JSON form", "POST", "/forms/submit/pytest01", {"data": DEEP, "headers": JSON}),
        Bad(
            "10,000-term filter read", "GET", f"{recipients}?_filter={huge_filter}", says="_filter"
        ),
        Bad(
            "10,000-term filter unsubscribe",
            "PATCH",
            f"{recipients}?_filter={huge_filter}",
            {"json": {"is_unsubscribed": True}},
            says="_filter",
        ),
        Bad(
            "10,000-term filter delete",
            "DELETE",
            f"{recipients}?_filter={huge_filter}",
            says="_filter",
        ),
        Bad("limit of ten to the twelve", "GET", f"/lists?_limit={10**12}", says="_limit"),
        Bad("limit beyond the contract", "GET", f"/lists?_limit={10**19}", says="_limit"),
        Bad("2 MiB of contacts", "POST", "/recipients", {"json": big}, 413, too_large),
        Bad("2 MiB list", "POST", "/lists", {"json": {"name": "x" * TWO_MIB}}, 413, too_large),
        Bad("form body for JSON", "POST", "/lists", {"data": "name=Sneaky", "headers": form}),
        Bad("XML for JSON", "POST", "/lists", {"data": "<name>Sneaky</name>", "headers": xml}),
        Bad("multipart for JSON", "POST", "/lists", {"files": {"name": ("n.txt", b"Sneaky")}}),
        Bad(
            "JSON for a CSV upload",
            "POST",
            f"{recipients}/import/init",
            {"json": {"a": 1}},
            says="CSV",
        ),
        Bad("raw control character", "POST", "/lists", {"data": b'{"name": "a\x07b"}'}),
        Bad(
            "raw NUL",
            "POST",
            "/recipients",
            {"data": b'{"email": "a@x.org", "last_name": "\x00"}'},
        ),
    ]


def oauth_cases(credentials) -> list[tuple[str, dict]]:
    """Bad token requests: (name, request keywords); each a 400 in the OAuth error format."""
    password = {"username": credentials.username, "grant_type": "https://nl2go.com/jwt"}
    return [
        ("non-UTF-8", {"data": b'{"username": "\xff", "grant_type": "https://nl2go.com/jwt"}'}),
        ("deep JSON", {"data": DEEP, "headers": JSON}),
        ("XML", {"data": "<grant/>", "headers": {"Content-Type": "application/xml"}}),
        ("no password", {"json": password}),
    ]


def error_problem(
    response: requests.Response, status: int, keys: set[str], says: str = ""
) -> str | None:
    """Why the answer is not `status` with an error body of `keys` whose message contains
    `says` (None if it is)."""
    if response.status_code != status:
        return f"{response.status_code} instead of {status}: {response.text[:300]}"
    try:
        body = response.json()
    except ValueError:
        return f"{status} without a JSON body: {response.text[:300]}"
    if not isinstance(body, dict) or set(body) - {"moreInfo"} != keys:
        return f"{status} not in the error format {sorted(keys)}: {body}"
    if "status" in keys and (body["status"] != status or not body["errorMessage"]):
        return f"{status} with a wrong error body: {body}"
    message = body.get("errorMessage") or body.get("error_description") or ""
    if says.lower() not in message.lower():
        return f"{status} for another reason than {says!r}: {body}"
    return None


def still_serving(reader: Reader) -> str | None:
    try:
        response = reader.session.get(f"{reader.base_url}/lists", timeout=TIMEOUT)
    except requests.RequestException as error:
        return f"the mock stopped serving: {error!r}"
    return None if response.status_code == 200 else f"GET /lists then: {response.status_code}"


def test_bad_input_gets_a_clear_4xx_and_changes_nothing(world, n2g_credentials):
    reader, list_id = world
    before = account_snapshot(reader)
    base = n2g_credentials.base_url
    failures = []
    for bad in bad_requests(list_id):
        where = f"{bad.name} ({bad.method} {bad.path[:80]})"
        try:
            response = reader.session.request(
                bad.method, base + bad.path, timeout=TIMEOUT, **bad.request
            )
            problem = error_problem(response, bad.status, ERROR_KEYS, bad.says)
        except requests.RequestException as error:
            problem = f"no answer: {error!r}"
        problem = problem or still_serving(reader)
        if problem:
            failures.append(f"{where}: {problem}")
        after = account_snapshot(reader)
        if after != before:
            failures.append(f"{where}: the account changed")
            before = after
    token = token_request(n2g_credentials)
    for name, request in oauth_cases(n2g_credentials):
        response = requests.post(token["url"], auth=token["auth"], timeout=TIMEOUT, **request)
        problem = error_problem(response, 400, OAUTH_KEYS) or still_serving(reader)
        if problem:
            failures.append(f"token request, {name}: {problem}")
    assert not failures, "\n".join(failures)
    assert account_snapshot(reader) == before


def test_the_control_api_refuses_bad_input_clearly(n2g_control, n2g_credentials):
    base = n2g_credentials.base_url
    failures = []
    for path in ("/_mock/faults", "/_mock/reset", "/_mock/accounts", "/_mock/clock"):
        for data in (DEEP, b'{"\xff": 1}', "x" * 100):
            response = requests.post(base + path, data=data, headers=JSON, timeout=TIMEOUT)
            problem = error_problem(response, 400, ERROR_KEYS)
            if problem:
                failures.append(f"POST {path} with {str(data)[:20]}...: {problem}")
    assert not failures, "\n".join(failures)
    assert n2g_control.faults() == []
    assert len(n2g_control.accounts()) == 1


def test_escaped_control_characters_in_names_are_stored_as_sent(world, n2g_credentials):
    reader, list_id = world
    base = n2g_credentials.base_url
    name = "Tab\there\u0007bell\u0000nul\u001bescape"
    response = reader.session.post(f"{base}/lists", json={"name": name}, timeout=TIMEOUT)
    assert response.status_code == 201, response.text
    new_list = response.json()["value"][0]["id"]
    assert reader.get(f"/lists/{new_list}")["value"][0]["name"] == name
    person = {"list_id": list_id, "email": "ctrl@example.org", "first_name": "A\u0001\nB"}
    response = reader.session.post(f"{base}/recipients", json=person, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    contact = reader.get(
        f"/lists/{list_id}/recipients", _filter='email=="ctrl@example.org"', _expand="true"
    )["value"][0]
    assert contact["first_name"] == "A\u0001\nB"
    before = account_snapshot(reader)
    bad = {"list_id": list_id, "email": "ctr\u0000l@example.org"}
    response = reader.session.post(f"{base}/recipients", json=bad, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    info = response.json()["info"]
    assert info["count"] == 0
    assert info["additional"]["invalid_recipients"] == [bad]
    assert account_snapshot(reader) == before


def test_json_under_a_sloppy_content_type_is_read_as_json(world, n2g_credentials):
    reader, _ = world
    base = n2g_credentials.base_url
    for content_type in ("text/plain", None):
        headers = {"Content-Type": content_type} if content_type else {}
        name = f"Sloppy {content_type}"
        body = json.dumps({"name": name})
        response = reader.session.post(f"{base}/lists", data=body, headers=headers, timeout=30)
        assert response.status_code == 201, (content_type, response.text)
    names = [item["name"] for item in reader.get("/lists", _expand="true")["value"]]
    assert {"Sloppy text/plain", "Sloppy None"} <= set(names)


def test_the_largest_page_is_served_from_what_exists(world, n2g_credentials):
    reader, list_id = world
    before = account_snapshot(reader)
    body = reader.get(f"/lists/{list_id}/recipients", _limit=100_000, _expand="true")
    assert body["info"]["count"] == 5
    assert len(body["value"]) == 5
    assert reader.get("/lists", _limit=100_000, _offset=10**12)["value"] == []
    assert account_snapshot(reader) == before
