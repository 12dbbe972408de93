"""Accounts are isolated: a token of account A gets 404 for every id of account B, on every
endpoint that takes an id, and A's collections never show B's data.

The walk is built from the app's URL map, so a new endpoint with an id is walked automatically;
its path parameters must be known to `PARAMETERS` (else its test fails and says so) and a new
POST needs its documented body in `BODIES`.
"""

import io
import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest

from mock_n2g import create_app
from mock_n2g.config import MockConfig
from tests.support import MAIN_ACCOUNT, OTHER_ACCOUNT, Api

# Only these take no bearer token: the public forms and the mock's own control API.
EXCLUDED_PREFIXES = ("/forms/", "/_mock/")
IGNORED_METHODS = {"HEAD", "OPTIONS"}
RULE_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")

A_MARK, B_MARK = "alpha", "bravo"  # every name, e-mail address and value of a side has its mark

# Path parameter (or id in a body) -> the attributes of `Side` holding such ids. The first one is
# what A puts in when a rule with several ids is walked with a mix of A's and B's ids; every one
# of them is tried as B's id.
PARAMETERS: dict[str, tuple[str, ...]] = {
    "list_id": ("list_id", "default_list_id"),
    "recipient_id": ("member_id", "default_recipient_id"),
    "group_id": ("static_group_id", "dynamic_group_id"),
    "attribute_id": ("attribute_id",),
    "newsletter_id": ("newsletter_id", "transactional_id"),
    "import_id": ("import_id",),
    "company_id": ("company_id",),
    "user_id": ("user_id",),
    "file_id": ("file_id",),  # the uploaded file `import/save` names in its body
}
# Ids of the same shape that exist nowhere: B's id must get the very answer these get.
UNKNOWN = {
    "list_id": "nolist00",
    "recipient_id": "norecip0",
    "group_id": "nogroup0",
    "attribute_id": "noattr00",
    "newsletter_id": "nonews00",
    "import_id": "noimport",
    "company_id": "nocomp00",
    "user_id": "nouser00",
    "file_id": "nofile00",
}
IMPORT_SAVE = "/lists/<list_id>/recipients/import/save"
BODY_IDS = {("POST", IMPORT_SAVE): ("file_id",)}  # ids a request carries in its body

ERROR_KEYS = {"status", "code", "errorMessage"}


def mailing_body(prefix: str, name: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": "default",
        "name": name,
        "subject": f"{prefix.capitalize()} news",
        "header_from_email": f"news@{prefix}.example",
        "header_from_name": f"{prefix.capitalize()} News",
        **fields,
    }


def contexts(email: str) -> dict[str, Any]:
    return {"contexts": [{"recipient": {"email": email}}]}


def csv_upload(content: str, filename: str) -> dict[str, Any]:
    return {
        "data": {"file": (io.BytesIO(content.encode()), filename)},
        "content_type": "multipart/form-data",
    }


@dataclass
class Side:
    """One account and one of everything it has that carries an id."""

    api: Api
    prefix: str
    company_id: str
    user_id: str
    account_id: str
    default_list_id: str
    list_id: str
    attribute_id: str
    member_id: str  # in `list_id`, member of the static segment
    other_id: str  # in `list_id`
    default_recipient_id: str  # in the default list
    static_group_id: str
    dynamic_group_id: str
    newsletter_id: str
    transactional_id: str  # active, so a send would really go out
    import_id: str
    file_id: str  # uploaded into `list_id`, not imported yet

    def ids(self) -> set[str]:
        return {
            self.company_id,
            self.user_id,
            self.account_id,
            self.default_list_id,
            self.list_id,
            self.attribute_id,
            self.member_id,
            self.other_id,
            self.default_recipient_id,
            self.static_group_id,
            self.dynamic_group_id,
            self.newsletter_id,
            self.transactional_id,
            self.import_id,
            self.file_id,
        }

    def paths(self) -> list[str]:
        """Everything the account has, read back with its own token."""
        paths = ["/lists?_expand=1", "/recipients?_expand=1&_limit=500", "/companies"]
        paths += ["/users?_expand=1", f"/users/{self.user_id}", f"/attributes/{self.attribute_id}"]
        for list_id in (self.list_id, self.default_list_id):
            paths.append(f"/lists/{list_id}")
            for collection in ("recipients", "groups", "attributes", "newsletters"):
                paths.append(f"/lists/{list_id}/{collection}?_expand=1&_limit=500")
        for group_id in (self.static_group_id, self.dynamic_group_id):
            paths.append(f"/groups/{group_id}")
            paths.append(f"/lists/{self.list_id}/groups/{group_id}/recipients?_expand=1")
        for recipient_id in (self.member_id, self.other_id, self.default_recipient_id):
            paths.append(f"/recipients/{recipient_id}")
            paths.append(f"/recipients/{recipient_id}?_fields=email,group_ids,list_ids")
        for newsletter_id in (self.newsletter_id, self.transactional_id):
            fields = "name,state,subject,group_ids,recipient_ids,statistic_mail_count"
            paths.append(f"/newsletters/{newsletter_id}")
            paths.append(f"/newsletters/{newsletter_id}?_fields={fields}")
            paths.append(f"/newsletters/{newsletter_id}/versions?_expand=1")
        paths.append(f"/import/{self.import_id}/info")
        return paths

    def state(self) -> dict[str, Any]:
        state = {}
        for path in self.paths():
            response = self.api.get(path)
            state[path] = (response.status_code, response.get_json())
        return state


def created_id(response: Any) -> str:
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    return response.get_json()["value"][0]["id"]


def succeeds(response: Any) -> None:
    assert response.status_code in (200, 201), response.get_data(as_text=True)


def upload(api: Api, list_id: str, content: str, filename: str) -> str:
    response = api.post(f"/lists/{list_id}/recipients/import/init", **csv_upload(content, filename))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["file"]


def arrange(api: Api, prefix: str) -> Side:
    """One of everything that has an id, made over HTTP; every text carries `prefix`."""
    title = prefix.capitalize()
    company_id = api.get("/companies").get_json()["value"][0]["id"]
    succeeds(
        api.patch(
            f"/companies/{company_id}",
            json={"name": f"{title} Company", "bill_email": f"bill@{prefix}.example"},
        )
    )
    user_id = api.get("/users").get_json()["value"][0]["id"]
    succeeds(api.patch(f"/users/{user_id}", json={"first_name": f"{title}user"}))
    account_id = api.get(f"/users/{user_id}").get_json()["value"][0]["account_id"]
    default_list_id = api.default_list_id()
    list_id = api.create_list(
        f"{title} list", header_from_email=f"news@{prefix}.example", imprint=f"{title} imprint"
    )
    attribute_id = created_id(
        api.post("/attributes", json={"list_ids": [list_id], "name": f"{title}_attr"})
    )
    member_id, other_id = api.add(
        list_id,
        {
            "email": f"{prefix}.one@{prefix}.example",
            "first_name": f"{title}ina",
            "last_name": f"{title}son",
            f"{title}_attr": f"{prefix}-value",
        },
        {"email": f"{prefix}.two@{prefix}.example", "first_name": f"{title}o"},
    )
    [default_recipient_id] = api.add(
        default_list_id, {"email": f"{prefix}.three@{prefix}.example", "last_name": f"{title}s"}
    )
    static_group_id = created_id(
        api.post("/groups", json={"list_id": list_id, "name": f"{title} static"})
    )
    succeeds(api.post(f"/lists/{list_id}/groups/{static_group_id}/recipients/{member_id}"))
    dynamic_group_id = created_id(
        api.post(
            "/groups",
            json={
                "list_id": list_id,
                "name": f"{title} dynamic",
                "is_dynamic": True,
                "filter": f'email=like="%{prefix}.t%"',
            },
        )
    )
    newsletter_id = created_id(
        api.post(f"/lists/{list_id}/newsletters", json=mailing_body(prefix, f"{title} mailing"))
    )
    transactional_id = created_id(
        api.post(
            f"/lists/{list_id}/newsletters",
            json=mailing_body(prefix, f"{title} transactional", type="transaction"),
        )
    )
    succeeds(api.patch(f"/newsletters/{transactional_id}", json={"state": "active"}))
    done = upload(
        api,
        list_id,
        f"email,first_name\n{prefix}.four@{prefix}.example,{title}a\n",
        f"{prefix}-done.csv",
    )
    import_id = created_id(
        api.post(
            f"/lists/{list_id}/recipients/import/save",
            json={"file": done, "associations": {"0": "email", "1": "first_name"}},
        )
    )
    file_id = upload(api, list_id, f"email\n{prefix}.five@{prefix}.example\n", f"{prefix}.csv")
    return Side(
        api=api,
        prefix=prefix,
        company_id=company_id,
        user_id=user_id,
        account_id=account_id,
        default_list_id=default_list_id,
        list_id=list_id,
        attribute_id=attribute_id,
        member_id=member_id,
        other_id=other_id,
        default_recipient_id=default_recipient_id,
        static_group_id=static_group_id,
        dynamic_group_id=dynamic_group_id,
        newsletter_id=newsletter_id,
        transactional_id=transactional_id,
        import_id=import_id,
        file_id=file_id,
    )


@dataclass
class World:
    a: Side
    b: Side

    def outbox(self) -> list[dict[str, Any]]:
        response = self.a.api.client.get("/_mock/outbox")
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["emails"]

    def state(self) -> dict[str, Any]:
        return {"A": self.a.state(), "B": self.b.state(), "outbox": self.outbox()}

    def b_texts(self) -> set[str]:
        """What must never show in a response to A: B's ids and B's login name (every other
        text of B carries `B_MARK`)."""
        return {*self.b.ids(), OTHER_ACCOUNT.username}


@pytest.fixture
def world(api: Api, other_api: Api) -> World:
    world = World(a=arrange(api, A_MARK), b=arrange(other_api, B_MARK))
    assert not world.a.ids() & world.b.ids()
    return world


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Which reads of which side answer differently now."""
    changed = []
    for side in ("A", "B"):
        for path, answer in before[side].items():
            if after[side].get(path) != answer:
                changed.append(f"{side} {path}: {answer} -> {after[side].get(path)}")
    if before["outbox"] != after["outbox"]:
        changed.append(f"outbox: {len(before['outbox'])} -> {len(after['outbox'])} e-mails")
    return changed


def send(api: Api, method: str, path: str, request: dict[str, Any]) -> Any:
    return api.client.open(path, method=method, headers=api.headers(), **request)


def error_problem(response: Any) -> str | None:
    """Why the answer is not the service's 404 error body (None if it is)."""
    body = response.get_json(silent=True)
    if response.status_code != 404:
        return f"{response.status_code} {response.get_data(as_text=True)[:300]}"
    if not isinstance(body, dict) or set(body) != ERROR_KEYS:
        return f"404 without the error body: {response.get_data(as_text=True)[:300]}"
    if body["status"] != 404 or body["code"] != 404 or not isinstance(body["errorMessage"], str):
        return f"404 with a wrong error body: {body}"
    return None


# the walk: every (method, rule) with an id


def rule_parameters(rule: str) -> list[str]:
    return RULE_PARAMETER.findall(rule)


def fill(rule: str, values: dict[str, str]) -> str:
    return RULE_PARAMETER.sub(lambda match: values[match.group(1)], rule)


def endpoints_with_ids(app: Any) -> list[tuple[str, str]]:
    return sorted(
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.arguments
        for method in rule.methods - IGNORED_METHODS
    )


def walked(app: Any) -> list[tuple[str, str]]:
    return [
        (m, rule) for m, rule in endpoints_with_ids(app) if not rule.startswith(EXCLUDED_PREFIXES)
    ]


Body = Callable[[World, dict[str, str]], dict[str, Any]]


def json_body(body: dict[str, Any]) -> Body:
    return lambda world, ids: {"json": body}


def send_body(world: World, ids: dict[str, str]) -> dict[str, Any]:
    """A transactional mailing is sent to contexts, a one-time mailing to its list."""
    if ids["newsletter_id"] in (world.a.transactional_id, world.b.transactional_id):
        return {"json": contexts("someone@example.org")}
    return {"json": {"list_id": world.b.list_id}}


def no_body(world: World, ids: dict[str, str]) -> dict[str, Any]:
    return {}


# The documented bodies; PATCH without an entry sends {"name": "x"}, GET and DELETE nothing.
BODIES: dict[tuple[str, str], Body] = {
    ("PATCH", "/lists/<list_id>/recipients"): json_body({"first_name": "x"}),
    ("PATCH", "/lists/<list_id>/recipients/<recipient_id>"): json_body({"first_name": "x"}),
    ("PATCH", "/users/<user_id>"): json_body({"language": "en_US"}),
    ("PATCH", "/newsletters/<newsletter_id>"): json_body({"name": "x", "subject": "x"}),
    ("POST", "/lists/<list_id>/groups/<group_id>/recipients"): no_body,  # all of the list
    ("POST", "/lists/<list_id>/groups/<group_id>/recipients/<recipient_id>"): no_body,
    ("POST", "/lists/<list_id>/newsletters"): json_body(mailing_body("x", "x")),
    ("POST", "/lists/<list_id>/recipients/import/init"): lambda world, ids: csv_upload(
        "email\nx@example.org\n", "x.csv"
    ),
    ("POST", IMPORT_SAVE): lambda world, ids: {
        "json": {"file": ids["file_id"], "associations": {"0": "email"}}
    },
    ("POST", "/newsletters/<newsletter_id>/send"): send_body,
    ("POST", "/newsletters/<newsletter_id>/sendtest"): json_body(contexts("x@example.org")),
}


def request_body(method: str, rule: str, world: World, ids: dict[str, str]) -> dict[str, Any]:
    if (method, rule) in BODIES:
        return BODIES[method, rule](world, ids)
    if method == "PATCH":
        return {"json": {"name": "x"}}
    if method == "POST":
        pytest.fail(f"no body for {method} {rule}: add its documented body to BODIES")
    return {}


Choice = tuple[str, str, str]  # parameter, owner ("A" or "B"), attribute of Side


def mixes(names: list[str]) -> Iterator[tuple[Choice, ...]]:
    """Every choice of B's ids; with several ids also A's own ones mixed in (never all A's)."""
    options = []
    for name in names:
        attributes = PARAMETERS[name]
        own = [(name, "A", attributes[0])] if len(names) > 1 else []
        options.append([*own, *((name, "B", attribute) for attribute in attributes)])
    for combination in itertools.product(*options):
        if any(owner == "B" for _, owner, _ in combination):
            yield combination


URL_MAP_APP = create_app(MockConfig(accounts=[MAIN_ACCOUNT, OTHER_ACCOUNT]))
WALK = walked(URL_MAP_APP)


def test_the_walk_is_every_endpoint_with_an_id_but_the_public_forms_and_the_control_api(app, api):
    assert EXCLUDED_PREFIXES == ("/forms/", "/_mock/")
    with_ids = endpoints_with_ids(app)
    assert walked(app) == WALK
    excluded = [(m, rule) for m, rule in with_ids if (m, rule) not in WALK]
    assert {rule for _, rule in excluded} >= {
        "/forms/generate/<code>",
        "/forms/submit/<code>",
        "/forms/confirm/<token>",
    }
    assert all(rule.startswith(EXCLUDED_PREFIXES) for _, rule in excluded)
    # the excluded ones really take no token, and every walked one demands it
    for method, rule in excluded:
        path = RULE_PARAMETER.sub("abcdefgh", rule)
        response = api.client.open(path, method=method, json={})
        assert response.status_code != 401, (method, rule)
    for method, rule in WALK:
        response = api.client.open(RULE_PARAMETER.sub("abcdefgh", rule), method=method, json={})
        assert response.status_code == 401, (method, rule)
    unknown = {name for _, rule in WALK for name in rule_parameters(rule)} - set(PARAMETERS)
    assert not unknown, f"path parameters without an id mapping: {sorted(unknown)}"


@pytest.mark.parametrize(("method", "rule"), WALK, ids=[f"{m} {r}" for m, r in WALK])
def test_a_token_of_account_a_gets_404_for_every_id_of_account_b(world, method, rule):
    names = [*rule_parameters(rule), *BODY_IDS.get((method, rule), ())]
    unmapped = [name for name in names if name not in PARAMETERS]
    if unmapped:
        pytest.fail(f"{method} {rule}: no id mapping for {unmapped}; add them to PARAMETERS")
    sides = {"A": world.a, "B": world.b}
    failures = []
    before = world.state()
    for combination in mixes(names):
        ids = {name: getattr(sides[owner], attr) for name, owner, attr in combination}
        label = ", ".join(f"{name}={owner}.{attr}" for name, owner, attr in combination)
        path = fill(rule, ids)
        response = send(world.a.api, method, path, request_body(method, rule, world, ids))
        problem = error_problem(response)
        if problem:
            failures.append(f"{method} {path} [{label}]: {problem}")
        after = world.state()
        changed = changes(before, after)
        if changed:
            failures.append(f"{method} {path} [{label}] changed: " + "; ".join(changed))
            before = after
        if problem:
            continue
        # B's id must be answered exactly like an id that does not exist
        unknown = {
            name: UNKNOWN[name] if owner == "B" else ids[name] for name, owner, _ in combination
        }
        nowhere = send(
            world.a.api,
            method,
            fill(rule, unknown),
            request_body(method, rule, world, unknown),
        )
        message = response.get_json()["errorMessage"]
        for name, owner, _ in combination:
            if owner == "B":
                message = message.replace(ids[name], UNKNOWN[name])
        if error_problem(nowhere) or nowhere.get_json()["errorMessage"] != message:
            failures.append(
                f"{method} {path} [{label}]: B's id is told from an unknown id: "
                f"{response.get_json()} vs {nowhere.get_json()}"
            )
    assert not failures, "\n".join(failures)
    # B still has its unused upload, and its token still works
    response = world.b.api.post(
        f"/lists/{world.b.list_id}/recipients/import/save",
        json={"file": world.b.file_id, "associations": {"0": "email"}},
    )
    assert response.status_code == 201, response.get_data(as_text=True)


# collections and single reads of A's own things never show B's


FILTERS = {  # a filter matching B's e-mail addresses (or names, where there are none)
    "/lists": f'header_from_email=like="%{B_MARK}%"',
    "/recipients": f'email=like="%{B_MARK}%"',
    "/recipients/global": f'email=like="%{B_MARK}%"',
    "/users": f'email=like="%{B_MARK}%"',
    "/companies": f'bill_email=like="%{B_MARK}%"',
    "/lists/<list_id>/recipients": f'email=like="%{B_MARK}%"',
    "/lists/<list_id>/groups/<group_id>/recipients": f'email=like="%{B_MARK}%"',
    "/lists/<list_id>/groups": f'name=like="%{B_MARK}%"',
    "/lists/<list_id>/attributes": f'name=like="%{B_MARK}%"',
    "/lists/<list_id>/newsletters": f'name=like="%{B_MARK}%"',
    "/newsletters/<newsletter_id>/versions": f'subject=like="%{B_MARK}%"',
}
READABLE = sorted(
    {
        rule.rule
        for rule in URL_MAP_APP.url_map.iter_rules()
        if "GET" in rule.methods
        and not rule.rule.startswith(EXCLUDED_PREFIXES)
        and rule.rule != "/openapi.json"  # the contract: public, no account's data
    }
)


def test_every_collection_of_the_brief_is_read():
    for rule in FILTERS:
        assert rule in READABLE, rule


def without_links(body: Any) -> str:
    """The body as text, without the paging links (they echo the query, filter included)."""
    if isinstance(body, dict) and isinstance(body.get("info"), dict):
        body = {**body, "info": {k: v for k, v in body["info"].items() if k != "links"}}
    return json.dumps(body)


@pytest.mark.parametrize("rule", READABLE)
def test_what_account_a_reads_never_shows_account_b(world, rule):
    names = rule_parameters(rule)
    unmapped = [name for name in names if name not in PARAMETERS]
    if unmapped:
        pytest.fail(f"GET {rule}: no id mapping for {unmapped}; add them to PARAMETERS")
    ids = {name: getattr(world.a, PARAMETERS[name][0]) for name in names}
    path = fill(rule, ids)
    queries = ["", "?_expand=1"]
    if rule in FILTERS:
        queries.append(f"?_expand=1&_filter={quote(FILTERS[rule])}")
    for query in queries:
        response = world.a.api.get(path + query)
        assert response.status_code == 200, (path + query, response.get_data(as_text=True))
        body = response.get_json()
        text = without_links(body)
        shown = [item for item in world.b_texts() if item in text]
        assert not shown, f"{path}{query} shows B's {shown}: {text[:500]}"
        assert B_MARK not in text.lower(), f"{path}{query} shows B's data: {text[:500]}"
        if query == "?_expand=1":  # the check is not vacuous: A's own data is there
            assert A_MARK in text.lower(), f"{path}{query} shows nothing of A: {text[:500]}"
        if "_filter" in query and rule not in ("/users", "/companies"):
            assert body["value"] == [], f"{path}{query}: {body['value']}"


# writes that name B's ids in the body


def test_post_recipients_into_a_list_of_b_is_404_and_writes_nothing(world):
    b, a = world.b, world.a
    before = world.state()
    bodies = [
        {"list_id": b.list_id, "email": "new@example.org"},
        {"list_id": b.list_id, "email": f"{B_MARK}.one@{B_MARK}.example", "first_name": "Mine"},
        [{"list_id": b.default_list_id, "email": "new@example.org"}],
        [
            {"list_id": a.list_id, "email": "fine@example.org"},
            {"list_id": b.list_id, "email": "new@example.org"},
        ],
    ]
    for body in bodies:
        response = a.api.post("/recipients", json=body)
        assert error_problem(response) is None, (body, error_problem(response))
        assert changes(before, world.state()) == [], body


REFERENCES: list[tuple[str, str, Callable[[World], tuple[str, dict[str, Any]]]]] = [
    (
        "POST /groups into B's list",
        "POST",
        lambda w: ("/groups", {"list_id": w.b.list_id, "name": "x"}),
    ),
    (
        "POST /attributes on B's list",
        "POST",
        lambda w: ("/attributes", {"list_ids": [w.a.list_id, w.b.list_id], "name": "Mine"}),
    ),
    (
        "PATCH A's attribute onto B's list",
        "PATCH",
        lambda w: (f"/attributes/{w.a.attribute_id}", {"list_ids": [w.b.list_id]}),
    ),
    (
        "PATCH A's company to B's default list",
        "PATCH",
        lambda w: (f"/companies/{w.a.company_id}", {"default_list_id": w.b.list_id}),
    ),
    (
        "POST A's mailing for B's segment",
        "POST",
        lambda w: (
            f"/lists/{w.a.list_id}/newsletters",
            mailing_body("x", "x", group_ids=[w.b.static_group_id]),
        ),
    ),
    (
        "POST A's mailing for B's recipient",
        "POST",
        lambda w: (
            f"/lists/{w.a.list_id}/newsletters",
            mailing_body("x", "x", recipient_ids=[w.b.member_id]),
        ),
    ),
    (
        "PATCH A's mailing to B's segment",
        "PATCH",
        lambda w: (f"/newsletters/{w.a.newsletter_id}", {"group_ids": [w.b.dynamic_group_id]}),
    ),
    (
        "PATCH A's mailing to B's recipient",
        "PATCH",
        lambda w: (f"/newsletters/{w.a.newsletter_id}", {"recipient_ids": [w.b.member_id]}),
    ),
    (
        "send A's transactional mailing to B's recipient",
        "POST",
        lambda w: (
            f"/newsletters/{w.a.transactional_id}/send",
            {"contexts": [{"recipient": {"id": w.b.member_id}}]},
        ),
    ),
    (
        "test-send A's mailing to B's recipient",
        "POST",
        lambda w: (
            f"/newsletters/{w.a.newsletter_id}/sendtest",
            {"contexts": [{"recipient": {"id": w.b.member_id}}]},
        ),
    ),
    (
        "import A's file into B's segment",
        "POST",
        lambda w: (
            f"/lists/{w.a.list_id}/recipients/import/save",
            {"file": w.a.file_id, "associations": {"0": "email"}, "groupId": w.b.static_group_id},
        ),
    ),
]


@pytest.mark.parametrize(
    ("method", "make"), [(m, make) for _, m, make in REFERENCES], ids=[r[0] for r in REFERENCES]
)
def test_an_id_of_b_in_a_body_is_404_and_writes_nothing(world, method, make):
    path, body = make(world)
    before = world.state()
    response = send(world.a.api, method, path, {"json": body})
    assert error_problem(response) is None, error_problem(response)
    assert changes(before, world.state()) == []
