"""The vendor's Postman collection, replayed against the mock: Authentication, Lists, Contacts.

Every documented example is sent with the collection's own method, URL, headers and body (Postman
variables substituted) and must get the documented status code and a body with the documented
keys. Each test id replays the flow from a fresh mock up to its own step, so the ids are independent
of each other (and of pytest-xdist) while the later calls still run on the state the earlier built.
"""

import base64
import json
import re
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support import MAIN_ACCOUNT, basic

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
VENDOR_BASE = "https://api.newsletter2go.com"
MOCK_BASE = "http://localhost"
ID = re.compile(r"[a-z0-9]{8}")
VARIABLE = re.compile(r"{{(\w+)}}")
ATTRIBUTE_NAME = "New_Attribute"
FOLDERS = ("Authentication", "Lists", "Contacts")
IMPORT_CALLS = ("/import/init", "/import/save", "/info")
NO_EXAMPLE = None  # a documented request without a recorded example response

# (folder, request name, example name), in an order where every call finds what it needs. Delete
# one recipient comes before the update by filter, so the filter matches one record, as documented.
FLOW = [
    (
        "Authentication",
        "OAuth Login / Retrieve Access Token",
        "OAuth Login / Retrieve Access Token",
    ),
    ("Authentication", "OAuth Refresh Access Token", "OAuth Refresh Access Token"),
    ("Lists", "Create List", "Create List"),
    ("Lists", "Get All Lists", "Get all Lists"),
    ("Lists", "Get All Lists", "Get all Lists with Details"),
    ("Lists", "Get List Details", "Get List Details"),
    ("Lists", "Update List", "Update List"),
    ("Contacts", "Create or Update Recipient(s)", "Create one Recipient"),
    ("Contacts", "Create or Update Recipient(s)", "Create multiple Recipients"),
    ("Contacts", "Get Recipients", "Get Recipients"),
    ("Contacts", "Get Recipients From List", "Get Recipients from List"),
    ("Contacts", "Get Recipients Details from List", "Get Recipients Details from List"),
    ("Contacts", "Update one Recipient", "Update one Recipient"),
    ("Contacts", "Delete One Recipient From List", "Delete one Recipient from List"),
    ("Contacts", "Update multiple Recipients", "Update multiple Recipients"),
    ("Contacts", "Delete multiple Recipients from List", "Delete multiple Recipients from List"),
    ("Lists", "Delete List", NO_EXAMPLE),
]
# The collection records no example for Delete List; REFERENCE.md: DELETE answers 200 like this.
DELETE_WITHOUT_EXAMPLE = {"code": 200, "body": '{"status": 200, "info": {"count": 1}, "value": []}'}
RESOURCE_FOLDERS = {"lists": "Lists", "recipients": "Contacts"}


@cache
def collection() -> dict:
    return json.loads((FIXTURES / "newsletter2go-api.postman_collection.json").read_text("utf-8"))


def folder_requests(folder: str) -> list[dict]:
    [found] = [item for item in collection()["item"] if item["name"] == folder]
    return found["item"]


def documented(folder: str, request_name: str, example_name: str | None) -> tuple[dict, dict]:
    """The request to send (the example's original request if recorded) and its example."""
    [item] = [i for i in folder_requests(folder) if i["name"] == request_name]
    if example_name is NO_EXAMPLE:
        assert not item.get("response"), f"{request_name} has an example now: use it"
        return item["request"], DELETE_WITHOUT_EXAMPLE
    [example] = [e for e in item["response"] if e["name"] == example_name]
    return example.get("originalRequest") or item["request"], example


def raw_url(request: dict) -> str:
    url = request["url"]
    return url if isinstance(url, str) else url["raw"]


def item_keys(body: dict) -> list[set[str]]:
    return [set(v) for v in body.get("value", []) if isinstance(v, dict) and "_href" in v]


def resource_of(href: str) -> str:
    return urlsplit(href).path.split("/")[1]


@cache
def documented_keys(resource: str) -> frozenset[str]:
    """Every field the collection shows for a resource: example items and request bodies."""
    keys: set[str] = set()
    for folder in collection()["item"]:
        for item in folder["item"]:
            for example in item.get("response", []):
                body = json.loads(example.get("body") or "null")
                for value in body.get("value", []) if isinstance(body, dict) else []:
                    if isinstance(value, dict) and resource_of(value.get("_href", "/")) == resource:
                        keys |= set(value)
            body = item["request"].get("body") or {}
            if folder["name"] != RESOURCE_FOLDERS[resource] or not body.get("raw", "").strip():
                continue
            if any(part in raw_url(item["request"]) for part in IMPORT_CALLS):
                continue
            sent = json.loads(body["raw"].replace("{{attribute_name}}", ATTRIBUTE_NAME))
            for entry in sent if isinstance(sent, list) else [sent]:
                keys |= set(entry)
    return frozenset(keys)


def shape(href: str) -> str:
    """A link without its base and ids: `/lists/{id}/recipients?_limit=50&_offset=0`."""
    parts = urlsplit(href)
    path = "/".join("{id}" if ID.fullmatch(p) else p for p in parts.path.split("/"))
    return path + (f"?{parts.query}" if parts.query else "")


class Flow:
    """The Postman environment: variables, filled in from the responses as Postman would."""

    def __init__(self, client) -> None:
        self.client = client
        self.sent: dict[str, set[str]] = {}  # record id -> fields the flow has set on it
        self.variables = {
            "auth_key_base64": base64.b64encode(MAIN_ACCOUNT.auth_key.encode()).decode(),
            "username": MAIN_ACCOUNT.username,
            "password": MAIN_ACCOUNT.password,
            "attribute_name": ATTRIBUTE_NAME,
        }

    def fill(self, text: str) -> str:
        def value(match: re.Match) -> str:
            assert match.group(1) in self.variables, f"no value for {{{{{match.group(1)}}}}} yet"
            return self.variables[match.group(1)]

        return VARIABLE.sub(value, text)

    def send(self, request: dict):
        url = urlsplit(self.fill(raw_url(request)))
        assert f"{url.scheme}://{url.netloc}" == VENDOR_BASE, raw_url(request)
        headers = [
            (h["key"], self.fill(h["value"])) for h in request["header"] if not h.get("disabled")
        ]
        body = request.get("body") or {}
        data = self.fill(body["raw"]).encode() if body.get("mode") == "raw" else None
        return self.client.open(
            url.path, method=request["method"], query_string=url.query, headers=headers, data=data
        )

    def remember(self, request: dict, response) -> None:
        """Keep tokens and ids for later calls, and which fields each record has set."""
        body = response.get_json(silent=True) or {}
        for name in ("access_token", "refresh_token"):
            if name in body:
                self.variables[name] = body[name]
        if request["method"] not in ("POST", "PATCH") or not isinstance(body.get("value"), list):
            return
        sent = json.loads(self.fill(request["body"]["raw"]))
        entries = sent if isinstance(sent, list) else [sent]
        path = urlsplit(self.fill(raw_url(request))).path
        if request["method"] == "PATCH":  # by id (e.g. /lists/{{list_id}}) or by filter
            record_id = path.rsplit("/", 1)[-1]
            if ID.fullmatch(record_id):
                self.sent.setdefault(record_id, set()).update(
                    k for k, v in sent.items() if v is not None
                )
            return
        for entry, created in zip(entries, body["value"], strict=False):
            self.sent[created["id"]] = {key for key, value in entry.items() if value is not None}
        if body["value"] and path == "/lists":
            self.variables.setdefault("list_id", body["value"][0]["id"])
        elif body["value"] and isinstance(sent, dict):
            self.variables.setdefault("recipient_id", body["value"][0]["id"])


def replay_until(client, step: int):
    """Run the flow's calls before `step` (each must get its documented status), then `step`."""
    flow = Flow(client)
    for folder, request_name, example_name in FLOW[:step]:
        request, example = documented(folder, request_name, example_name)
        response = flow.send(request)
        assert response.status_code == example["code"], (
            f"arranging call {request_name!r} failed: {response.get_data(as_text=True)}"
        )
        flow.remember(request, response)
    request, example = documented(*FLOW[step])
    return flow, request, example, flow.send(request)


def check_value_items(flow: Flow, expected: dict, actual: dict, request_name: str) -> None:
    documented_items, mock_items = item_keys(expected), actual["value"]
    assert bool(mock_items) == bool(expected["value"]), f"value: {mock_items!r}"
    always = set.intersection(*documented_items) if documented_items else set()
    union = set.union(*documented_items) if documented_items else set()
    for mock_item in mock_items:
        keys = set(mock_item)
        assert ID.fullmatch(mock_item.get("id", "")), (
            f"id is not 8 lowercase alphanumerics: {mock_item}"
        )
        assert mock_item["_href"].startswith(MOCK_BASE + "/"), mock_item["_href"]
        assert shape(mock_item["_href"]) in {shape(d["_href"]) for d in expected["value"]}
        resource = resource_of(mock_item["_href"])
        undocumented = keys - documented_keys(resource)
        assert not undocumented, (
            f"{request_name}: fields never documented for {resource}: {undocumented}"
        )
        if union == {"_href", "id"}:
            assert keys == union, (
                f"{request_name}: documented items are only _href and id: {mock_item}"
            )
        missing = (union & (always | flow.sent.get(mock_item["id"], set()))) - keys
        assert not missing, f"{request_name}: documented fields missing in {mock_item}: {missing}"


def check_envelope(
    flow: Flow, request: dict, expected: dict, actual: dict, request_name: str
) -> None:
    assert set(actual) == set(expected), f"top-level keys: {sorted(actual)}"
    assert actual["status"] == expected["status"]
    assert set(actual["info"]) == set(expected["info"]), f"info keys: {sorted(actual['info'])}"
    for part in ("links", "additional"):
        if part in expected["info"]:
            assert set(actual["info"][part]) == set(expected["info"][part]), f"info.{part}"
    for link in actual["info"].get("links", {}).values():
        assert link.startswith(MOCK_BASE + "/"), link
    if "links" in expected["info"]:
        assert shape(actual["info"]["links"]["_href"]) == shape(expected["info"]["links"]["_href"])
    if request["method"] != "GET":
        assert actual["info"]["count"] == expected["info"]["count"], "info.count of a change"
    check_value_items(flow, expected, actual, request_name)


@pytest.mark.parametrize(
    "step",
    range(len(FLOW)),
    ids=[f"{name} / {example or 'no example'}" for _, name, example in FLOW],
)
def test_documented_example(client, step):
    flow, request, example, response = replay_until(client, step)
    request_name = FLOW[step][1]
    text = response.get_data(as_text=True)
    assert response.status_code == example["code"], f"{request_name}: {response.status_code} {text}"
    expected, actual = json.loads(example["body"]), response.get_json()
    assert isinstance(actual, dict), f"{request_name}: not a JSON object: {text}"
    if "access_token" in expected:
        assert set(actual) == set(expected), f"token body keys: {sorted(actual)}"
        for name in ("expires_in", "token_type", "scope", "type"):
            assert actual[name] == expected[name], name
        assert ID.fullmatch(actual["account_id"]), actual["account_id"]
        return
    check_envelope(flow, request, expected, actual, request_name)
    if FLOW[step][2] == "Create multiple Recipients":  # email@example.tld exists: updated, same id
        assert actual["value"][0]["id"] == flow.variables["recipient_id"], "upsert by email"


def test_the_flow_covers_every_documented_call_but_the_imports():
    covered = {(folder, name, example) for folder, name, example in FLOW}
    for folder in FOLDERS:
        for item in folder_requests(folder):
            if any(part in raw_url(item["request"]) for part in IMPORT_CALLS):
                continue
            examples = [e["name"] for e in item.get("response", [])] or [NO_EXAMPLE]
            for example in examples:
                assert (folder, item["name"], example) in covered, f"not replayed: {item['name']}"


OAUTH_ERRORS = [
    example
    for example in json.loads((FIXTURES / "documented-error-examples.json").read_text("utf-8"))
    if example["url"].endswith("/oauth/v2/token")
]
assert len(OAUTH_ERRORS) == 2, "the error file records two OAuth examples"


@pytest.mark.parametrize("example", OAUTH_ERRORS, ids=[e["example_name"] for e in OAUTH_ERRORS])
def test_documented_oauth_error(client, example):
    flow = Flow(client)
    if "wrong base64" in example["example_name"]:
        authorization = "Basic %%%"  # not decodable as base64
    else:
        authorization = basic(MAIN_ACCOUNT.auth_key)["Authorization"]
    response = client.open(
        urlsplit(example["url"]).path,
        method=example["method"],
        headers={"Content-Type": "application/json", "Authorization": authorization},
        data=flow.fill(example["request_body"]).encode(),
    )
    assert response.status_code == example["status"], response.get_data(as_text=True)
    assert response.get_json() == json.loads(example["response_body"])
