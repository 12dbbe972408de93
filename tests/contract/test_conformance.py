"""The vendor's Postman collection, every documented request and example, replayed against the mock.

`tests/fixtures/n2g_examples.json` (written by `scripts/extract_n2g_examples.py`) holds each
request as its example sent it and the KEY STRUCTURE of the documented answer. Each test id is one
documented example: it replays, on a fresh mock, the calls that create what it needs (each must get
its documented status; ids and tokens are carried over as Postman variables), then its own call,
and compares status code and structure: top level, `info` (links, additional) exactly; each `value`
item has the documented keys its data has and no key never documented for its resource. Requests
the mock deliberately does not serve are in NOT_SERVED and must answer the routing 404.
"""

import base64
import io
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.support import MAIN_ACCOUNT

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "n2g_examples.json"
GENERATOR = ROOT / "scripts" / "extract_n2g_examples.py"
SHARED = ROOT.parent / "shared" / "n2g-api"
MOCK_BASE = "http://localhost"
ID = re.compile(r"[a-z0-9]{8}")
VARIABLE = re.compile(r"{{(\w+)}}")
NOT_FOUND = {"status": 404, "code": 404, "errorMessage": "Not Found"}
ATTRIBUTE_NAME = "New_Attribute"
# Ids of the vendor's account written literally into an example body, and what stands for them.
VENDOR_IDS = {"eqwb9z0j": "{{recipient_id}}"}
# Columns as the import example maps them: email, first_name, last_name, {{attribute_name}}. Two
# rows repeat (duplicates), one address is invalid, as in the documented import report.
IMPORT_CSV = b"""email@example.tld,John,Doe,attribute value
email2@example.tld,Jane,Doe,attribute value 2
some.duplicate@email.de,,Duplicate,
some.duplicate@email.de,,Duplicate,
some.duplicate2@email.com,,Duplicate 2,
some.duplicate2@email.com,,Duplicate 2,
some.invalid@email,,Invalid,
"""
# Request paths whose bodies document fields of a resource (keyed as the items' `_href` name it).
BODY_RESOURCES = {
    "lists": "lists",
    "recipients": "recipients",
    "groups": "groups",
    "attributes": "attribute",
    "newsletters": "newsletters",
    "companies": "companies",
    "users": "users",
}
# Documented fields that exist only after an event no API call can cause: allowed, not required.
WITHOUT_DATA = {
    # the documented user had asked for a new password; a fresh account has no reset pending
    "users": frozenset({"password_reset_code", "password_reset_timestamp"}),
}
# Arrays whose entries are contacts as the client sent them: compared with the contact fields.
ECHOED_CONTACTS = {"invalid_recipients", "duplicate_recipients", "invalid", "duplicate"}


@dataclass(frozen=True)
class Step:
    """A documented call of the flow: the steps it needs before, the variable its answer fills."""

    name: str
    call: str  # folder/request/example, as the test id
    needs: str = ""  # names of earlier steps, space-separated
    sets: str | None = None  # from value[0].id, or from the id field of a body without envelope
    times: int = 1  # more than 1: only arranges data, not a test of its own


def call(folder: str, request: str, example: str | None = None) -> str:
    return f"{folder}/{request}/{example or request}"


CONTACT, IMPORT, SEND = (
    "Create or Update Recipient(s)",
    "Import Recipients - ",
    "Send transactional",
)
FLOW = [
    Step("login", call("Authentication", "OAuth Login / Retrieve Access Token")),
    Step("refresh", call("Authentication", "OAuth Refresh Access Token"), "login"),
    Step("list", call("Lists", "Create List"), sets="list_id"),
    Step("lists", call("Lists", "Get All Lists", "Get all Lists"), "list"),
    Step("lists_expanded", call("Lists", "Get All Lists", "Get all Lists with Details"), "list"),
    Step("list_details", call("Lists", "Get List Details"), "list"),
    Step("update_list", call("Lists", "Update List"), "list"),
    Step("attribute", call("Attributes", "Create Attribute"), "list", "attribute_id"),
    Step(
        "recipient", call("Contacts", CONTACT, "Create one Recipient"), "attribute", "recipient_id"
    ),
    Step("recipients", call("Contacts", CONTACT, "Create multiple Recipients"), "recipient"),
    Step("all_recipients", call("Contacts", "Get Recipients"), "recipients"),
    Step(
        "list_recipients",
        call("Contacts", "Get Recipients From List", "Get Recipients from List"),
        "recipients",
    ),
    Step("recipient_details", call("Contacts", "Get Recipients Details from List"), "recipient"),
    Step("update_recipient", call("Contacts", "Update one Recipient"), "recipient"),
    # Deleting one of the two leaves one contact for the calls by filter, as they document.
    Step(
        "delete_recipient",
        call("Contacts", "Delete One Recipient From List", "Delete one Recipient from List"),
        "recipients",
    ),
    Step("update_recipients", call("Contacts", "Update multiple Recipients"), "delete_recipient"),
    Step(
        "delete_recipients",
        call("Contacts", "Delete multiple Recipients from List"),
        "delete_recipient",
    ),
    Step("upload", call("Contacts", IMPORT + "Upload File"), "attribute", "file_id"),
    Step(
        "import", call("Contacts", IMPORT + "Match columns and start Import"), "upload", "import_id"
    ),
    Step("import_info", call("Contacts", IMPORT + "Get Infos on import status"), "import"),
    Step("segment", call("Segments", "Create Segment"), "list", "group_id"),
    Step("auto_segment", call("Segments", "Create Auto-Update Segment"), "list"),
    Step("segments", call("Segments", "Get Segments in List"), "segment auto_segment"),
    Step("update_segment", call("Segments", "Update Segment"), "segment"),
    Step("add_member", call("Segments", "Add one Recipient to Segment"), "segment recipient"),
    Step(
        "add_members", call("Segments", "Add multiple Recipients to Segment"), "segment recipients"
    ),
    Step("members", call("Segments", "Get Recipient from Segment"), "add_members"),
    Step("remove_members", call("Segments", "Delete Recipients from Segment"), "add_members"),
    Step("delete_segment", call("Segments", "Delete Segment"), "segment"),
    Step("attributes", call("Attributes", "Get Attributes from List"), "attribute"),
    Step("attribute_details", call("Attributes", "Get Attribute Details"), "attribute"),
    Step("update_attribute", call("Attributes", "Update Attribute"), "attribute"),
    Step("delete_attribute", call("Attributes", "Delete Attribute"), "attribute"),
    Step("mailing", call("Campaigns", "Create Mailing"), "list", "newsletter_id"),
    Step(
        "transactional", call("Campaigns", "Create transactional Mailing"), "list", "newsletter_id"
    ),
    # More than one page (51 mailings), so that `_next` and `_last` are documented keys with data.
    Step("more_mailings", call("Campaigns", "Create Mailing"), "mailing transactional", times=49),
    Step("mailings", call("Campaigns", "Get Mailings from List"), "more_mailings"),
    Step("update_mailing", call("Campaigns", "Update one Mailing"), "transactional"),
    Step("versions", call("Campaigns", "Get saved Versions of a Mailing"), "update_mailing"),
    Step("send_test", call("Campaigns", "Send Test"), "transactional"),
    Step("send", call("Campaigns", "Send one-time Mailing"), "mailing segment recipient"),
    Step("send_transactional", call("Campaigns", SEND + " Mailing"), "update_mailing"),
    Step(
        "send_by_id",
        call("Campaigns", SEND + " Mailing", SEND + " Mailing by id (exisiting recipient)"),
        "update_mailing recipient",
    ),
    Step(
        "send_to_many",
        call("Campaigns", SEND + " Mailing", SEND + " Mailing to multiple Contacts"),
        "update_mailing",
    ),
    # Sent once, so that the sending statistics documented for one mailing have data.
    Step("mailing_details", call("Campaigns", "Get one Mailing"), "send_transactional"),
    Step("form", call("Forms", "Get Form")),
    Step("submit", call("Forms", "Submit Form / Subscribe Contact")),
    Step("company", call("Company", "Get Company Information"), sets="company_id"),
    Step("update_company", call("Company", "Update Company Information"), "company"),
    Step("users", call("Users", "Get all Users"), sets="user_id"),
    Step("user_details", call("Users", "Get User Details"), "users"),
    Step("update_user", call("Users", "Update User Details"), "users"),
    Step("delete_user", call("Users", "Delete User"), "users"),
    Step("delete_list", "Lists/Delete List/no example", "list"),
]
STEPS = {step.name: step for step in FLOW}
# Documented requests without a recorded example: what REFERENCE.md says they answer.
WITHOUT_EXAMPLE = {
    "Lists/Delete List/no example": (200, {"status": 200, "info": {"count": 1}, "value": []}),
}


@dataclass(frozen=True)
class Unserved:
    folder: str
    request: str
    needs: str  # so that a served endpoint would find its records
    reason: str


REPORTS = "the mock sends no real e-mail, so it has no opens, clicks or bounces to report"
NOT_SERVED = [
    Unserved("Campaigns", "Get specific Mailing Reports", "mailing", REPORTS),
    Unserved("Campaigns", "Get specific Mailing Reports Recipient Information", "mailing", REPORTS),
    Unserved("Campaigns", "Get specific Mailing Reports by Day", "mailing", REPORTS),
    Unserved("Campaigns", "Get multiple Mailing Reports by Day", "list", REPORTS),
    Unserved(
        "Campaigns",
        "Add Attachments to a Mailing",
        "mailing",
        "mailing variants and attachments are outside the interface; no example is recorded",
    ),
    *(
        Unserved("Files", name, "", "the file library is outside the interface; no example")
        for name in ("Create File", "Get File", "Get All Files")
    ),
]
# Variables only the unserved Files calls would fill.
PLACEHOLDERS = {"file_id": "f11e0001", "file_name": "image.png", "file_url": "https://x.test/i.png"}
ERROR_NEEDS = {
    "OAuth Login failed - wrong base64 auth key": "",
    "OAuth Login failed - wrong credentials": "",
    "Import Recipients - Match columns and start Import - already started": "import",  # saved twice
    "Create Attribute - Duplicate Attribute Name": "attribute",
    "Create Attribute - Invalid Name": "list",
    "Send Transactional Mailing": "mailing recipient",  # contexts to a `default` mailing
}


@cache
def fixture() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text("utf-8"))


def entry_id(entry: dict[str, Any]) -> str:
    return f"{entry['folder']}/{entry['request']}/{entry['example'] or 'no example'}"


@cache
def entries() -> dict[str, dict[str, Any]]:
    return {entry_id(e): e for e in fixture()["examples"]}


def unserved_ids() -> list[str]:
    wanted = {(u.folder, u.request) for u in NOT_SERVED}
    return [i for i, e in entries().items() if (e["folder"], e["request"]) in wanted]


def path_collection(url: str) -> str:
    """The last literal path segment: `/lists/{{list_id}}/newsletters` → `newsletters`."""
    segments = [s for s in urlsplit(url).path.split("/") if s and not VARIABLE.fullmatch(s)]
    return segments[-1]


def item_resource(entry: dict[str, Any]) -> str:
    """What the `value` items are: their `_href` resource, else the request's collection."""
    hrefs = entry["response"]["hrefs"]
    return hrefs[0].split("/")[1] if hrefs else path_collection(entry["url"])


def value_items(entry: dict[str, Any]) -> dict[str, Any] | None:
    return entry["response"]["shape"]["keys"]["value"]["items"]


@cache
def documented_keys(resource: str) -> frozenset[str]:
    """Every field the collection shows for a resource: in answers' items and in request bodies."""
    keys: set[str] = set()
    for entry in fixture()["examples"]:
        if entry["response"] and "hrefs" in entry["response"] and item_resource(entry) == resource:
            keys |= set((value_items(entry) or {"keys": {}})["keys"])
        raw = (entry["body"] or {}).get("raw")
        if raw and BODY_RESOURCES.get(path_collection(entry["url"])) == resource:
            sent = json.loads(raw.replace("{{attribute_name}}", ATTRIBUTE_NAME))
            for fields in sent if isinstance(sent, list) else [sent]:
                keys |= set(fields)
    return frozenset(keys)


def link_shape(link: str) -> str:
    """As the generator shapes documented links: ids (never a documented path word) → `{id}`."""
    parts, words = urlsplit(link), set(fixture()["path_words"])
    path = "/".join(
        "{id}" if ID.fullmatch(s) and s not in words else s for s in parts.path.split("/")
    )
    return path + (f"?{parts.query}" if parts.query else "")


def closure(needs: str) -> list[Step]:
    """The steps that `needs` take, transitively, in flow order; logging in always comes first."""
    wanted, todo = {"login"}, needs.split()
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo.extend(STEPS[name].needs.split())
    return [step for step in FLOW if step.name in wanted]


class Flow:
    """The Postman environment on a fresh mock: variables filled in from the answers."""

    def __init__(self, app, client) -> None:
        self.client = client
        self.sent: dict[str, set[str]] = {}  # record id -> fields the flow has set on it
        [account] = [a for a in app.extensions["n2g_backend"].accounts() if a.spec == MAIN_ACCOUNT]
        # {{form_id}}: the code of the form every account gets for its default list
        [form_code] = [c for c, f in account.forms.items() if f.list_id == account.default_list_id]
        self.variables = {
            "auth_key_base64": base64.b64encode(MAIN_ACCOUNT.auth_key.encode()).decode(),
            "username": MAIN_ACCOUNT.username,
            "password": MAIN_ACCOUNT.password,
            "attribute_name": ATTRIBUTE_NAME,
            "form_id": form_code,
            "doi_form_id": form_code,
        }

    def fill(self, text: str) -> str:
        for vendor_id, variable in VENDOR_IDS.items():
            text = text.replace(vendor_id, variable)

        def value(match: re.Match) -> str:
            assert match.group(1) in self.variables, f"no value for {match.group(0)} yet"
            return self.variables[match.group(1)]

        return VARIABLE.sub(value, text)

    def send(self, entry: dict[str, Any]):
        url = urlsplit(self.fill(entry["url"]))
        headers = {name: self.fill(value) for name, value in entry["headers"].items()}
        body, data = entry["body"] or {}, None
        if "raw" in body:
            data = self.fill(body["raw"]).encode()
        elif "formdata" in body:  # the client sets multipart with its boundary, as Postman does
            headers.pop("Content-Type", None)
            data = {f["key"]: (io.BytesIO(IMPORT_CSV), "import.csv") for f in body["formdata"]}
        return self.client.open(
            url.path, method=entry["method"], query_string=url.query, headers=headers, data=data
        )

    def run(self, steps: list[Step]) -> None:
        """Arrange: each call must get its documented status."""
        for step in steps:
            entry = entries()[step.call]
            expected = entry["status"] or WITHOUT_EXAMPLE[step.call][0]
            for _ in range(step.times):
                response = self.send(entry)
                assert response.status_code == expected, (
                    f"arranging call {step.call!r} got {response.status_code}, not {expected}: "
                    f"{response.get_data(as_text=True)[:300]}"
                )
                self.remember(step, entry, response.get_json(silent=True) or {})

    def remember(self, step: Step, entry: dict[str, Any], body: dict[str, Any]) -> None:
        """Keep tokens and ids for later calls, and which fields each record has set."""
        for name in ("access_token", "refresh_token"):
            if name in body:
                self.variables[name] = body[name]
        if step.sets:
            ids = entry["response"].get("ids")
            self.variables[step.sets] = body[ids[0]] if ids else body["value"][0]["id"]
        raw = (entry["body"] or {}).get("raw")
        if not raw or entry["method"] not in ("POST", "PATCH") or "value" not in body:
            return
        sent = json.loads(self.fill(raw))
        if entry["method"] == "PATCH":  # by id (e.g. /lists/{{list_id}}) or by filter
            record_id = urlsplit(self.fill(entry["url"])).path.rsplit("/", 1)[-1]
            if ID.fullmatch(record_id):
                self.sent.setdefault(record_id, set()).update(
                    k for k, v in sent.items() if v is not None
                )
            return
        for fields, created in zip(
            sent if isinstance(sent, list) else [sent], body["value"], strict=False
        ):
            if isinstance(created, dict) and "id" in created:
                self.sent[created["id"]] = {k for k, v in fields.items() if v is not None}


def compare(shape: Any, actual: Any, where: str, problems: list[str]) -> None:
    """Structure of `actual` against a documented shape: documented keys present, no others."""
    if isinstance(shape, str):
        if "null" not in shape.split("|") and isinstance(actual, dict | list):
            problems.append(f"{where}: {shape} documented, got {type(actual).__name__}")
        return
    expected_type = list if "items" in shape else dict
    if not isinstance(actual, expected_type):
        problems.append(f"{where}: {expected_type.__name__} documented, got {actual!r:.80}")
        return
    if "items" in shape:
        for index, element in enumerate(actual):
            at = f"{where}[{index}]"
            if where.rsplit(".", 1)[-1] in ECHOED_CONTACTS:
                check_keys(shape["items"], element, at, problems, documented_keys("recipients"))
            elif shape["items"] is not None:
                compare(shape["items"], element, at, problems)
        return
    if "map" in shape:
        for key, entry in actual.items():
            compare(shape["map"], entry, f"{where}.{key}", problems)
        return
    check_keys(shape, actual, where, problems)
    for key in shape["keys"].keys() & actual.keys():
        compare(shape["keys"][key], actual[key], f"{where}.{key}", problems)


def check_keys(
    shape: Any,
    actual: Any,
    where: str,
    problems: list[str],
    allowed: frozenset[str] | None = None,
    has_data: frozenset[str] = frozenset(),
    without_data: frozenset[str] = frozenset(),
) -> None:
    """Required keys (and documented ones the data has) present; keys outside `allowed` absent."""
    if not isinstance(actual, dict):
        problems.append(f"{where}: object documented, got {actual!r:.80}")
        return
    documented = set((shape or {"keys": {}})["keys"])
    required = set((shape or {}).get("required", documented)) | (documented & has_data)
    required -= without_data
    if missing := required - set(actual):
        problems.append(f"{where}: documented keys missing: {sorted(missing)}")
    if extra := set(actual) - (documented if allowed is None else allowed):
        problems.append(f"{where}: keys never documented: {sorted(extra)}")


def check_links(documented: dict[str, str], links: dict[str, str], problems: list[str]) -> None:
    for name, link in links.items():
        if not link.startswith(MOCK_BASE + "/"):
            problems.append(f"info.links.{name} is not on the mock's base URL: {link}")
        elif name == "_href" and link_shape(link) != documented.get(name):
            problems.append(f"info.links._href: {link_shape(link)} != {documented.get(name)}")
        elif name in documented:
            mine, theirs = urlsplit(link_shape(link)), urlsplit(documented[name])
            same_params = {k for k, _ in parse_qsl(mine.query)} == {
                k for k, _ in parse_qsl(theirs.query)
            }
            if mine.path != theirs.path or not same_params:
                problems.append(f"info.links.{name}: {link_shape(link)} != {documented[name]}")


def check_items(flow: Flow, entry: dict[str, Any], value: Any, problems: list[str]) -> None:
    """Each `value` item: id and `_href` forms, documented keys it has data for, nothing else."""
    shape = value_items(entry)
    if not isinstance(value, list) or bool(value) != (shape is not None):
        problems.append(
            f"value: {'items' if shape else 'an empty array'} documented: {value!r:.200}"
        )
        return
    if shape is None:
        return
    resource = item_resource(entry)
    documented = set(shape["keys"])
    for index, item in enumerate(value):
        where = f"value[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: object documented, got {item!r:.80}")
            continue
        if "id" in documented and not ID.fullmatch(str(item.get("id", ""))):
            problems.append(f"{where}.id is not 8 lowercase letters or digits: {item.get('id')!r}")
        href = item.get("_href")
        if "_href" in documented and href is not None:
            if not href.startswith(MOCK_BASE + "/"):
                problems.append(f"{where}._href is not on the mock's base URL: {href}")
            elif link_shape(href) not in entry["response"]["hrefs"]:
                problems.append(f"{where}._href: {link_shape(href)} not documented")
        allowed = documented_keys(resource) if documented != {"_href", "id"} else documented
        has_data = frozenset(flow.sent.get(item.get("id", ""), ()))
        without_data = WITHOUT_DATA.get(resource, frozenset())
        check_keys(
            shape,
            item,
            f"{where} ({resource})",
            problems,
            frozenset(allowed),
            has_data,
            without_data,
        )
        for key in documented & item.keys():
            compare(shape["keys"][key], item[key], f"{where}.{key}", problems)


def check_count(documented: int, body: dict[str, Any], problems: list[str]) -> None:
    """`info.count` of a change: the records it affected, as documented for the same data.

    A form submission counts the contacts it accepted (documented: 0 inserted + 0 updated, the
    documented one was refused); the flow's submission is valid, so that sum is compared instead.
    """
    count, value = (body.get("info") or {}).get("count"), body.get("value") or [{}]
    if isinstance(value[0], dict) and "result" in value[0]:
        success = value[0]["result"].get("success") or {}
        documented = success.get("inserted", 0) + success.get("updated", 0)
    if count != documented:
        problems.append(f"info.count {count!r}, expected {documented}")


def check_answer(flow: Flow, entry: dict[str, Any], response) -> None:
    text = response.get_data(as_text=True)
    assert response.status_code == entry["status"], f"{response.status_code}: {text[:500]}"
    body, documented = response.get_json(silent=True), entry["response"]
    assert isinstance(body, dict), f"not a JSON object: {text[:300]}"
    problems: list[str] = []
    keys = documented["shape"]["keys"]
    if set(body) != set(keys):
        problems.append(f"top-level keys {sorted(body)}, documented {sorted(keys)}")
    if "values" in documented:  # no envelope: the token answers and the import upload
        for name, value in documented["values"].items():
            if body.get(name) != value:
                problems.append(f"{name}: {body.get(name)!r}, documented {value!r}")
        for name in documented["ids"]:
            if not ID.fullmatch(str(body.get(name))):
                problems.append(f"{name} is not an id: {body.get(name)!r}")
        for name in documented["tokens"]:
            if not (isinstance(body.get(name), str) and body[name]):
                problems.append(f"{name} is not a token: {body.get(name)!r}")
    else:
        if body.get("status") != entry["status"]:
            problems.append(f"status field {body.get('status')!r}, documented {entry['status']}")
        compare(keys["info"], body.get("info"), "info", problems)
        check_links(documented["links"], (body.get("info") or {}).get("links") or {}, problems)
        if "count" in documented:
            check_count(documented["count"], body, problems)
        check_items(flow, entry, body.get("value"), problems)
    assert not problems, "\n".join(problems)


def flow_steps() -> list[Step]:
    return [step for step in FLOW if step.times == 1]


@pytest.mark.parametrize("step", flow_steps(), ids=lambda step: step.call)
def test_documented_example(app, client, step: Step):
    flow = Flow(app, client)
    flow.run([s for s in closure(step.needs) if s is not step])
    entry = entries()[step.call]
    response = flow.send(entry)
    if entry["status"] is None:
        status, body = WITHOUT_EXAMPLE[step.call]
        assert (response.status_code, response.get_json(silent=True)) == (status, body)
        return
    check_answer(flow, entry, response)
    if step.name == "recipients":  # email@example.tld exists: updated by e-mail, same id
        assert response.get_json()["value"][0]["id"] == flow.variables["recipient_id"]


@pytest.mark.parametrize("name", unserved_ids())
def test_not_served(app, client, name: str):
    entry = entries()[name]
    [unserved] = [
        u for u in NOT_SERVED if (u.folder, u.request) == (entry["folder"], entry["request"])
    ]
    flow = Flow(app, client)
    flow.run(closure(unserved.needs))
    for variable, placeholder in PLACEHOLDERS.items():
        flow.variables.setdefault(variable, placeholder)
    response = flow.send(entry)
    assert (response.status_code, response.get_json(silent=True)) == (404, NOT_FOUND), (
        f"{name} is served now ({unserved.reason!r} no longer holds?): take it out of NOT_SERVED"
    )


@pytest.mark.parametrize("error", fixture()["errors"], ids=lambda error: error["example"])
def test_documented_error(app, client, error: dict[str, Any]):
    flow = Flow(app, client)
    flow.run(closure(ERROR_NEEDS[error["example"]]))
    if "wrong base64" in error["example"]:
        authorization = "Basic %%%"  # not decodable as base64
    elif error["url"] == "/oauth/v2/token":
        authorization = "Basic {{auth_key_base64}}"
    else:
        authorization = "Bearer {{access_token}}"
    response = flow.client.open(
        urlsplit(flow.fill(error["url"])).path,
        method=error["method"],
        headers={"Content-Type": "application/json", "Authorization": flow.fill(authorization)},
        data=flow.fill(error["body"]).encode(),
    )
    assert response.status_code == error["status"], response.get_data(as_text=True)
    assert response.get_json() == error["response"]


def test_every_documented_example_is_replayed_or_not_served():
    replayed = [step.call for step in flow_steps()]
    not_served = unserved_ids()
    assert len(replayed) == len(set(replayed)), "a documented example is replayed twice"
    assert set(replayed) | set(not_served) == set(entries()), "neither replayed nor NOT_SERVED"
    assert not set(replayed) & set(not_served), "both replayed and NOT_SERVED"
    assert {(u.folder, u.request) for u in NOT_SERVED} <= {
        (e["folder"], e["request"]) for e in entries().values()
    }, "NOT_SERVED names a request the collection does not have"
    for index, step in enumerate(FLOW):
        earlier = {s.name for s in FLOW[:index]}
        assert set(step.needs.split()) <= earlier, f"{step.name} needs a later step"
    assert {e["example"] for e in fixture()["errors"]} == set(ERROR_NEEDS)
    assert {i for i, e in entries().items() if e["status"] is None} - set(not_served) <= set(
        WITHOUT_EXAMPLE
    ), "a replayed request without a documented status has no expectation"


ENVELOPE_SUMMARY, PLAIN_SUMMARY = {"shape", "links", "hrefs"}, {"shape", "values", "ids", "tokens"}
SCALARS = {"string", "number", "boolean", "null", "object", "array"}


def well_formed(shape: Any) -> bool:
    """The shape grammar of the generator's docstring."""
    if isinstance(shape, str):
        return set(shape.split("|")) <= SCALARS
    if not isinstance(shape, dict):
        return False
    if set(shape) == {"items"}:
        return shape["items"] is None or well_formed(shape["items"])
    if set(shape) == {"map"}:
        return well_formed(shape["map"])
    return (
        set(shape) in ({"keys"}, {"keys", "required"})
        and set(shape.get("required", ())) <= set(shape["keys"])
        and all(well_formed(inner) for inner in shape["keys"].values())
    )


def test_fixture_is_well_formed_and_current():
    """The fixture's own schema always; when the vendor's files are at hand, that it is current."""
    data = fixture()
    assert set(data) == {"source", "path_words", "examples", "errors"}
    assert len(data["examples"]) == len(entries()), "two examples with the same id"
    for entry in data["examples"]:
        assert set(entry) == {
            "folder",
            "request",
            "example",
            "method",
            "url",
            "headers",
            "body",
            "status",
            "response",
        }, entry_id(entry)
        assert entry["method"] in {"GET", "POST", "PATCH", "DELETE"}
        assert entry["url"].startswith("/")
        assert set(entry["headers"]) <= {"Authorization", "Content-Type"}
        assert entry["body"] is None or set(entry["body"]) in ({"raw"}, {"formdata"})
        assert entry["status"] is None or 200 <= entry["status"] < 600
        assert (entry["example"] is None) <= (entry["response"] is None)
        if entry["response"]:
            summary = entry["response"]
            assert set(summary) in (ENVELOPE_SUMMARY, ENVELOPE_SUMMARY | {"count"}, PLAIN_SUMMARY)
            assert "keys" in summary["shape"], entry_id(entry)
            assert well_formed(summary["shape"]), entry_id(entry)
    assert data["source"]["requests"] == len(
        {(e["folder"], e["request"]) for e in data["examples"]}
    )
    assert len(data["errors"]) == 6
    for error in data["errors"]:
        assert set(error) == {"request", "example", "method", "url", "body", "status", "response"}
        assert set(error["response"]) & {"error", "errorMessage"}, error["example"]
    if (SHARED / "newsletter2go-api.postman_collection.json").exists():
        run = subprocess.run(
            [sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True, check=False
        )
        assert run.returncode == 0, run.stderr
