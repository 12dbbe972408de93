"""Consumer side: the real `sync.client.Client` against Pact's mock server writes the pact.

Each test declares the interactions one client call makes and proves the client makes exactly
those (Pact's mock server fails the test on a missing, extra or different request). The client
starts with a stored, valid access token, so only the token tests send token requests. When
every test of this module passed, `pacts/n2g-sync-newsletter2go.json` is rewritten from them.
"""

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pact import Pact, match

from sync.client import Client, NotFound, Settings, Tokens, UpsertResult
from sync.reconcile import READ_FIELDS
from tests.contract.pact.contract import (
    ATTRIBUTE,
    CONSUMER,
    CREDENTIALS,
    EXAMPLE_ACCESS_TOKEN,
    EXAMPLE_IDS,
    EXAMPLE_PASSWORD,
    EXAMPLE_REFRESH_TOKEN,
    EXAMPLE_ROTATED_TOKEN,
    EXAMPLE_USERNAME,
    JSON,
    LIST,
    LOGGED_IN,
    MISSING_ID,
    NO_ATTRIBUTE,
    PACT_FILE,
    PROVIDER,
    RECIPIENTS,
    REFRESH_TOKEN,
    TOKEN,
    USER,
    an_id,
    basic,
    bearer,
    injected,
    path,
)

# The client's own settings in these tests: never written to the pact (test_pact_file checks).
AUTH_KEY = "pact-consumer-id:pact-consumer-secret"
USERNAME = "pact-consumer@example.org"
PASSWORD = "pact-consumer-password"
NOW = 1_800_000_000.0
LIST_ID = EXAMPLE_IDS["listId"]
RECIPIENT_ID = EXAMPLE_IDS["recipientId"]
USER_ID = EXAMPLE_IDS["userId"]
ACCOUNT_ID = EXAMPLE_IDS["accountId"]
PASSWORD_GRANT = "https://nl2go.com/jwt"
REFRESH_GRANT = "https://nl2go.com/jwt_refresh"
EMAILS = ["max@example.org", "erika@example.org", "john@example.org"]


class Store:
    """A TokenStore holding what it was given."""

    def __init__(self, tokens: Tokens | None) -> None:
        self.tokens = tokens
        self.saved: list[Tokens] = []

    def load_tokens(self) -> Tokens | None:
        return self.tokens

    def save_tokens(self, tokens: Tokens) -> None:
        self.saved.append(tokens)
        self.tokens = tokens


def stored_tokens(expires_at: float = NOW + 3600) -> Tokens:
    return Tokens(EXAMPLE_ACCESS_TOKEN, EXAMPLE_REFRESH_TOKEN, expires_at, ACCOUNT_ID)


class PactRecord:
    """Collects the pacts of this module's tests; publishes them when all of them passed."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.passed: set[str] = set()

    def publish(self, target: Path) -> None:
        """The merged pact, interactions in a stable order, to `target` if it changed."""
        pact = json.loads((self.directory / target.name).read_text(encoding="utf-8"))
        pact["interactions"].sort(key=lambda interaction: interaction["description"])
        text = json.dumps(pact, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def record(request, tmp_path_factory) -> Iterator[PactRecord]:
    record = PactRecord(tmp_path_factory.mktemp("pacts"))
    yield record
    tests = {name for name in vars(request.module) if name.startswith("test_")}
    if record.passed == tests:  # not after a partial run (-k, xdist) or a failure
        record.publish(PACT_FILE)
    shutil.rmtree(record.directory, ignore_errors=True)


class Consumer:
    """One test's pact: declare interactions on `.pact`, then use `.client()`."""

    def __init__(self, record: PactRecord, test_name: str) -> None:
        self.pact = Pact(CONSUMER, PROVIDER).with_specification("V4")
        self._record = record
        self._test_name = test_name

    @contextmanager
    def client(self, store: Store | None = None) -> Iterator[Client]:
        """The real client against the pact's mock server; the pact is recorded on success."""
        store = store if store is not None else Store(stored_tokens())
        with self.pact.serve(addr="127.0.0.1") as server:
            settings = Settings(
                AUTH_KEY, USERNAME, PASSWORD, base_url=str(server.url), max_attempts=1
            )
            with Client(settings, store, sleep=lambda _: None, now=lambda: NOW) as client:
                yield client
        self.pact.write_file(self._record.directory, overwrite=False)
        self._record.passed.add(self._test_name)


@pytest.fixture
def consumer(record, request) -> Consumer:
    return Consumer(record, request.node.name)


def api_call(interaction, method: str, template: str, *, query=None, body=None):
    """The request part of an authorised API call."""
    interaction.with_request(method, path(template)).with_header("Authorization", bearer())
    for name, value in (query or {}).items():
        interaction.with_query_parameter(name, value)
    if body is not None:
        interaction.with_body(body, content_type="application/json")
    return interaction


def answer(interaction, status: int, body=None):
    """The response part: a status and, if given, a JSON body."""
    interaction.will_respond_with(status)
    if body is not None:
        interaction.with_header("Content-Type", match.regex("application/json", regex=JSON))
        interaction.with_body(body)
    return interaction


def page(offset: int, limit: int = 500, **params) -> dict:
    return {**params, "_limit": str(limit), "_offset": str(offset)}


# authentication


def test_login_with_the_password_grant(consumer):
    interaction = (
        consumer.pact.upon_receiving("POST /oauth/v2/token: the password grant")
        .given(CREDENTIALS)
        .with_request("POST", "/oauth/v2/token")
        .with_header("Authorization", basic())
        .with_body(
            {
                "username": injected(EXAMPLE_USERNAME, "${username}", r"[^@\s]+@[^@\s]+"),
                "password": injected(EXAMPLE_PASSWORD, "${password}", r".+"),
                "grant_type": PASSWORD_GRANT,
            },
            content_type="application/json",
        )
    )
    answer(
        interaction,
        200,
        {
            "access_token": match.regex(EXAMPLE_ACCESS_TOKEN, regex=TOKEN),
            "refresh_token": match.regex(EXAMPLE_REFRESH_TOKEN, regex=TOKEN),
            "expires_in": match.int(7200),
            "account_id": an_id("accountId"),
        },
    )
    with consumer.client(Store(None)) as client:
        tokens = client.login()
    assert (tokens.access_token, tokens.refresh_token) == (
        EXAMPLE_ACCESS_TOKEN,
        EXAMPLE_REFRESH_TOKEN,
    )
    assert (tokens.account_id, tokens.expires_at) == (ACCOUNT_ID, NOW + 7200)


def test_an_expired_access_token_is_refreshed(consumer):
    interaction = (
        consumer.pact.upon_receiving("POST /oauth/v2/token: the refresh grant")
        .given(CREDENTIALS)
        .given(REFRESH_TOKEN)
        .with_request("POST", "/oauth/v2/token")
        .with_header("Authorization", basic())
        .with_body(
            {
                "refresh_token": injected(EXAMPLE_REFRESH_TOKEN, "${refreshToken}", TOKEN),
                "grant_type": REFRESH_GRANT,
            },
            content_type="application/json",
        )
    )
    answer(
        interaction,
        200,
        {
            "access_token": match.regex(EXAMPLE_ACCESS_TOKEN, regex=TOKEN),
            "refresh_token": match.regex(EXAMPLE_ROTATED_TOKEN, regex=TOKEN),
            "expires_in": match.int(7200),
        },
    )
    store = Store(stored_tokens(expires_at=NOW - 1))
    with consumer.client(store) as client:
        assert client.account_id() == ACCOUNT_ID
    assert [t.refresh_token for t in store.saved] == [EXAMPLE_ROTATED_TOKEN]


# lists

LIST_ITEM = {"id": an_id("listId"), "name": match.str("Weekly")}


def test_all_lists_page_by_page(consumer):
    for offset, which in ((0, "first"), (1, "second")):
        interaction = (
            consumer.pact.upon_receiving(f"GET /lists: the {which} page of the lists, expanded")
            .given(LOGGED_IN)
            .given(LIST, name="Weekly")
            .given(LIST, name="Monthly")
        )
        api_call(interaction, "GET", "/lists", query=page(offset, _expand="true"))
        body = {"info": {"count": match.int(2)}, "value": match.each_like(LIST_ITEM)}
        answer(interaction, 200, body)
    with consumer.client() as client:
        lists = list(client.lists())
    assert lists == [{"id": LIST_ID, "name": "Weekly"}] * 2


def test_get_a_list(consumer):
    interaction = (
        consumer.pact.upon_receiving("GET /lists/{id}: one list, expanded")
        .given(LOGGED_IN)
        .given(LIST, name="Weekly")
    )
    api_call(interaction, "GET", "/lists/{listId}", query={"_expand": "true"})
    answer(interaction, 200, {"value": match.each_like(LIST_ITEM)})
    with consumer.client() as client:
        assert client.get_list(LIST_ID) == {"id": LIST_ID, "name": "Weekly"}


def test_get_a_list_that_does_not_exist(consumer):
    description = "GET /lists/{id}: a list that does not exist"
    interaction = consumer.pact.upon_receiving(description).given(LOGGED_IN)
    api_call(interaction, "GET", f"/lists/{MISSING_ID}", query={"_expand": "true"})
    answer(interaction, 404)
    with consumer.client() as client:
        assert client.get_list(MISSING_ID) is None


def test_find_lists_by_name(consumer):
    interaction = (
        consumer.pact.upon_receiving("GET /lists: the lists of one name")
        .given(LOGGED_IN)
        .given(LIST, name="Weekly")
    )
    query = page(0, _filter='name=="Weekly"', _expand="true")
    api_call(interaction, "GET", "/lists", query=query)
    answer(interaction, 200, {"info": {"count": match.int(1)}, "value": match.each_like(LIST_ITEM)})
    with consumer.client() as client:
        assert client.find_lists_by_name("Weekly") == [{"id": LIST_ID, "name": "Weekly"}]


def test_create_a_list(consumer):
    interaction = consumer.pact.upon_receiving("POST /lists: create a list").given(LOGGED_IN)
    api_call(interaction, "POST", "/lists", body={"name": "Weekly"})
    answer(interaction, 201, {"value": match.each_like({"id": an_id("listId")})})
    with consumer.client() as client:
        assert client.create_list("Weekly") == LIST_ID


def test_rename_a_list(consumer):
    interaction = (
        consumer.pact.upon_receiving("PATCH /lists/{id}: rename a list")
        .given(LOGGED_IN)
        .given(LIST, name="Weekly")
    )
    api_call(interaction, "PATCH", "/lists/{listId}", body={"name": "Weekly news"})
    answer(interaction, 200, {})
    with consumer.client() as client:
        client.rename_list(LIST_ID, "Weekly news")


def test_rename_a_list_that_does_not_exist(consumer):
    description = "PATCH /lists/{id}: rename a list that does not exist"
    interaction = consumer.pact.upon_receiving(description).given(LOGGED_IN)
    api_call(interaction, "PATCH", f"/lists/{MISSING_ID}", body={"name": "Weekly news"})
    answer(interaction, 404)
    with consumer.client() as client, pytest.raises(NotFound):
        client.rename_list(MISSING_ID, "Weekly news")


# attributes


def test_the_attributes_of_a_list(consumer):
    interaction = (
        consumer.pact.upon_receiving("GET /lists/{id}/attributes: the list's attributes, expanded")
        .given(LOGGED_IN)
        .given(LIST, name="Weekly")
        .given(ATTRIBUTE, name="plan")
    )
    api_call(interaction, "GET", "/lists/{listId}/attributes", query=page(0, _expand="true"))
    body = {"info": {"count": match.int(1)}, "value": match.each_like({"name": match.str("plan")})}
    answer(interaction, 200, body)
    with consumer.client() as client:
        assert client.list_attributes(LIST_ID) == ["plan"]


def attribute_request(interaction, name: str):
    list_ids = [injected(LIST_ID, "${listId}", r"[a-z0-9]{8}")]
    return api_call(
        interaction,
        "POST",
        "/attributes",
        body={"list_ids": list_ids, "name": name, "type": "text"},
    )


def test_create_an_attribute(consumer):
    interaction = (
        consumer.pact.upon_receiving("POST /attributes: create a text attribute")
        .given(LOGGED_IN)
        .given(LIST, name="Weekly")
        .given(NO_ATTRIBUTE, name="topic")
    )
    answer(attribute_request(interaction, "topic"), 201, {})
    with consumer.client() as client:
        client.create_attribute(LIST_ID, "topic")


def test_an_attribute_that_exists_already_counts_as_created(consumer):
    interaction = (
        consumer.pact.upon_receiving("POST /attributes: create an attribute that exists already")
        .given(LOGGED_IN)
        .given(LIST, name="Weekly")
        .given(ATTRIBUTE, name="plan")
    )
    # the client reads `code` only next to a message (sync.http.error_details)
    body = {"code": 1062, "errorMessage": match.str('Duplicate value "plan" for column "name"')}
    answer(attribute_request(interaction, "plan"), 400, body)
    with consumer.client() as client:
        client.create_attribute(LIST_ID, "plan")


# recipients


def recipient_body(*people: tuple[str, str]) -> list[dict]:
    list_id = injected(LIST_ID, "${listId}", r"[a-z0-9]{8}")
    return [{"email": email, "first_name": name, "list_id": list_id} for email, name in people]


def test_upsert_a_batch_of_recipients(consumer):
    interaction = (
        consumer.pact.upon_receiving("POST /recipients: create or update a batch of recipients")
        .given(LOGGED_IN)
        .given(LIST, name="Weekly")
    )
    body = recipient_body(("max@example.org", "Max"), ("erika@example.org", "Erika"))
    api_call(interaction, "POST", "/recipients", body=body)
    ids = [{"id": match.regex(f"rcp0000{n}", regex=r"[a-z0-9]{8}")} for n in (1, 2)]
    answer(interaction, 201, {"value": ids})
    people = [
        {"email": "max@example.org", "first_name": "Max"},
        {"email": "erika@example.org", "first_name": "Erika"},
    ]
    with consumer.client() as client:
        result = client.upsert_recipients(LIST_ID, people)
    assert result == UpsertResult(["rcp00001", "rcp00002"], [])


def test_upsert_reports_invalid_recipients(consumer):
    interaction = (
        consumer.pact.upon_receiving("POST /recipients: a batch with an invalid address")
        .given(LOGGED_IN)
        .given(LIST, name="Weekly")
    )
    body = recipient_body(("max@example.org", "Max"), ("not-an-address", "Bad"))
    api_call(interaction, "POST", "/recipients", body=body)
    invalid = match.each_like({"email": match.str("not-an-address")})
    answer(
        interaction,
        201,
        {
            "info": {"additional": {"invalid_recipients": invalid}},
            "value": [{"id": an_id("recipientId")}],
        },
    )
    people = [
        {"email": "max@example.org", "first_name": "Max"},
        {"email": "not-an-address", "first_name": "Bad"},
    ]
    with consumer.client() as client:
        result = client.upsert_recipients(LIST_ID, people)
    assert result == UpsertResult([RECIPIENT_ID], [{"email": "not-an-address"}])


def test_update_one_recipient(consumer):
    interaction = (
        consumer.pact.upon_receiving("PATCH /lists/{id}/recipients/{id}: update one recipient")
        .given(LOGGED_IN)
        .given(LIST, name="Weekly")
        .given(RECIPIENTS, emails=EMAILS[:1])
    )
    fields = {"email": "max.m@example.org", "first_name": "Maxi"}
    api_call(interaction, "PATCH", "/lists/{listId}/recipients/{recipientId}", body=fields)
    answer(interaction, 200, {})
    with consumer.client() as client:
        client.update_recipient(LIST_ID, RECIPIENT_ID, fields)


def test_update_a_recipient_that_does_not_exist(consumer):
    interaction = (
        consumer.pact.upon_receiving(
            "PATCH /lists/{id}/recipients/{id}: a recipient that does not exist"
        )
        .given(LOGGED_IN)
        .given(LIST, name="Weekly")
    )
    template = "/lists/{listId}/recipients/" + MISSING_ID
    api_call(interaction, "PATCH", template, body={"is_unsubscribed": True})
    answer(interaction, 404)
    with consumer.client() as client, pytest.raises(NotFound):
        client.update_recipient(LIST_ID, MISSING_ID, {"is_unsubscribed": True})


def test_update_recipients_by_ids(consumer):
    interaction = (
        consumer.pact.upon_receiving("PATCH /lists/{id}/recipients: unsubscribe recipients by id")
        .given(LOGGED_IN)
        .given(LIST, name="Weekly")
        .given(RECIPIENTS, emails=EMAILS[:1])
    )
    ids = injected(
        f'id=in=("{RECIPIENT_ID}")',
        'id=in=("${recipientId}")',
        r'id=in=\("[a-z0-9]{8}"(,"[a-z0-9]{8}")*\)',
    )
    api_call(
        interaction,
        "PATCH",
        "/lists/{listId}/recipients",
        query={"_filter": ids},
        body={"is_unsubscribed": True},
    )
    answer(interaction, 200, {"info": {"count": match.int(1)}})
    with consumer.client() as client:
        changed = client.update_recipients_by_ids(
            LIST_ID, [RECIPIENT_ID], {"is_unsubscribed": True}
        )
    assert changed == 1


RECIPIENT_ITEM = {"id": an_id("recipientId"), "email": match.str("max@example.org")}


def test_get_a_recipient(consumer):
    interaction = (
        consumer.pact.upon_receiving("GET /lists/{id}/recipients/{id}: one recipient, expanded")
        .given(LOGGED_IN)
        .given(LIST, name="Weekly")
        .given(RECIPIENTS, emails=EMAILS[:1])
    )
    template = "/lists/{listId}/recipients/{recipientId}"
    api_call(interaction, "GET", template, query={"_expand": "true"})
    answer(interaction, 200, {"value": match.each_like(RECIPIENT_ITEM)})
    with consumer.client() as client:
        found = client.get_recipient(LIST_ID, RECIPIENT_ID)
    assert found == {"id": RECIPIENT_ID, "email": "max@example.org"}


def test_iterate_the_recipients_page_by_page(consumer):
    fields = ",".join(["id", *READ_FIELDS])
    for offset, which, count in ((0, "first", 2), (2, "second", 1)):
        interaction = (
            consumer.pact.upon_receiving(
                f"GET /lists/{{id}}/recipients: the {which} page of the recipients, some fields"
            )
            .given(LOGGED_IN)
            .given(LIST, name="Weekly")
            .given(RECIPIENTS, emails=EMAILS)
        )
        query = page(offset, limit=2, _fields=fields)
        api_call(interaction, "GET", "/lists/{listId}/recipients", query=query)
        items = [RECIPIENT_ITEM] * count
        answer(interaction, 200, {"info": {"count": match.int(3)}, "value": items})
    with consumer.client() as client:
        found = list(client.iter_recipients(LIST_ID, fields=READ_FIELDS, page_size=2))
    assert found == [{"id": RECIPIENT_ID, "email": "max@example.org"}] * 3


def test_find_a_recipient_by_email(consumer):
    interaction = (
        consumer.pact.upon_receiving(
            "GET /lists/{id}/recipients: the recipient with an e-mail address"
        )
        .given(LOGGED_IN)
        .given(LIST, name="Weekly")
        .given(RECIPIENTS, emails=EMAILS[:1])
    )
    query = page(0, _filter='email=="max@example.org"', _expand="true")
    api_call(interaction, "GET", "/lists/{listId}/recipients", query=query)
    body = {"info": {"count": match.int(1)}, "value": match.each_like(RECIPIENT_ITEM)}
    answer(interaction, 200, body)
    with consumer.client() as client:
        found = client.find_recipient(LIST_ID, "max@example.org")
    assert found == {"id": RECIPIENT_ID, "email": "max@example.org"}


# users


def test_the_current_user(consumer):
    users = consumer.pact.upon_receiving("GET /users: the account's users").given(LOGGED_IN)
    api_call(users, "GET", "/users")
    answer(users, 200, {"value": match.each_like({"id": an_id("userId")})})
    user = consumer.pact.upon_receiving("GET /users/{id}: one user").given(LOGGED_IN).given(USER)
    api_call(user, "GET", "/users/{userId}")
    item = {"id": an_id("userId"), "is_developer_mode": match.bool(True)}
    answer(user, 200, {"value": match.each_like(item)})
    with consumer.client() as client:
        found = client.current_user()
    assert found == {"id": USER_ID, "is_developer_mode": True}
