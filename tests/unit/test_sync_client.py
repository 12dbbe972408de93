"""The sync's Newsletter2Go client against the mock over real HTTP (plugin fixtures).

Nothing waits: `sleep` records the backoff, `now` is a clock the test moves.
"""

import base64
import json
import logging
from collections.abc import Callable

import pytest
import requests

from sync.client import (
    AuthError,
    Client,
    ConfigError,
    NotFound,
    ServiceError,
    Settings,
    Tokens,
    Unavailable,
    UpsertResult,
)

PASSWORD_GRANT = "https://nl2go.com/jwt"
REFRESH_GRANT = "https://nl2go.com/jwt_refresh"
TOKEN_PATH = "/oauth/v2/token"
DAY = 24 * 3600


class FakeClock:
    def __init__(self) -> None:
        self.value = 1_800_000_000.0

    def __call__(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds


class FakeStore:
    """A TokenStore that keeps what it was given."""

    def __init__(self, tokens: Tokens | None = None) -> None:
        self.tokens = tokens
        self.saved: list[Tokens] = []

    def load_tokens(self) -> Tokens | None:
        return self.tokens

    def save_tokens(self, tokens: Tokens) -> None:
        self.saved.append(tokens)
        self.tokens = tokens


class RecordingSession(requests.Session):
    """A real session that remembers the keyword arguments of every request."""

    def __init__(self) -> None:
        super().__init__()
        self.kwargs: list[dict] = []

    def request(self, method, url, *args, **kwargs):
        self.kwargs.append(kwargs)
        return super().request(method, url, *args, **kwargs)


class ScriptedSession(requests.Session):
    """A session that answers from a function instead of the network (tokens always granted)."""

    def __init__(self, answer: Callable[[str, str, dict], requests.Response]) -> None:
        super().__init__()
        self.answer = answer
        self.calls: list[tuple[str, str, dict]] = []

    def request(self, method, url, *args, **kwargs):
        self.calls.append((method, url, kwargs))
        if url.endswith(TOKEN_PATH):
            return canned(200, {"access_token": "at-1", "refresh_token": "rt-1", "account_id": "a"})
        return self.answer(method, url, kwargs)


def canned(status: int, body: object) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers["Content-Type"] = "application/json"
    return response


def settings_for(credentials, **changes) -> Settings:
    values = {
        "auth_key": credentials.auth_key,
        "username": credentials.username,
        "password": credentials.password,
        "base_url": credentials.base_url,
        "timeout": 10.0,
        "max_attempts": 4,
        **changes,
    }
    return Settings(**values)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_client(n2g_credentials, store, clock, sleeps):
    made: list[Client] = []

    def make(*, token_store=store, session=None, **changes) -> Client:
        client = Client(
            settings_for(n2g_credentials, **changes),
            token_store,
            session=session,
            sleep=sleeps.append,
            now=clock,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client) -> Client:
    return make_client()


def grants(control) -> list[str]:
    return [r["request_body"]["grant_type"] for r in control.requests(path_prefix=TOKEN_PATH)]


def calls(control, method: str, path: str) -> list[dict]:
    return [r for r in control.requests(method=method) if r["path"] == path]


def advance(control, clock: FakeClock, seconds: float) -> None:
    """Time passes for the service and the client alike."""
    control.advance_clock(seconds)
    clock.advance(seconds)


def contacts(client: Client, list_id: str, count: int, **fields) -> list[str]:
    recipients = [{"email": f"user{i}@example.org", **fields} for i in range(count)]
    return client.upsert_recipients(list_id, recipients).ids


# settings


def test_settings_from_env_reads_the_four_variables_and_defaults_to_the_real_service():
    env = {"N2G_AUTH_KEY": "id:secret", "N2G_USERNAME": "u@example.org", "N2G_PASSWORD": "pw"}
    settings = Settings.from_env(env)
    assert (settings.auth_key, settings.username, settings.password) == (
        "id:secret",
        "u@example.org",
        "pw",
    )
    assert settings.base_url == "https://api.newsletter2go.com"
    local = Settings.from_env({**env, "N2G_BASE_URL": "http://127.0.0.1:8080/"})
    assert local.base_url == "http://127.0.0.1:8080"


@pytest.mark.parametrize("missing", ["N2G_AUTH_KEY", "N2G_USERNAME", "N2G_PASSWORD"])
def test_settings_from_env_names_a_missing_variable(missing):
    env = {"N2G_AUTH_KEY": "id:secret", "N2G_USERNAME": "u@example.org", "N2G_PASSWORD": "pw"}
    env[missing] = " " if missing != "N2G_PASSWORD" else ""
    with pytest.raises(ConfigError, match=missing) as caught:
        Settings.from_env(env)
    assert caught.value.variable == missing


def test_an_auth_key_without_colon_is_refused_without_echoing_it():
    with pytest.raises(ConfigError, match="N2G_AUTH_KEY") as caught:
        Settings(auth_key="justthesecretpart", username="u", password="p")
    assert "justthesecretpart" not in str(caught.value)


def test_settings_repr_and_str_hide_auth_key_and_password():
    settings = Settings(auth_key="client:topsecretkey", username="u@x.org", password="hunter2pw")
    for text in (repr(settings), str(settings)):
        assert "topsecretkey" not in text
        assert "hunter2pw" not in text
        assert "u@x.org" in text


# tokens


def test_login_returns_tokens_and_saves_them(client, store, clock, n2g_control):
    tokens = client.login()
    assert tokens.expires_at == clock.value + 7200
    assert tokens.account_id == client.account_id()
    assert store.saved == [tokens]
    assert grants(n2g_control) == [PASSWORD_GRANT]
    assert tokens.access_token not in repr(tokens)
    assert tokens.refresh_token not in repr(tokens)


def test_one_login_serves_many_calls(client, n2g_control):
    for _ in range(5):
        list(client.lists())
    client.current_user()
    assert grants(n2g_control) == [PASSWORD_GRANT]


def test_an_expired_access_token_is_refreshed_and_the_rotated_refresh_token_saved(
    client, make_client, store, clock, n2g_control
):
    first = client.login()
    advance(n2g_control, clock, 7200)
    names = [item["name"] for item in client.lists()]
    assert names == ["Default"]
    assert grants(n2g_control) == [PASSWORD_GRANT, REFRESH_GRANT]
    assert [r["status"] for r in calls(n2g_control, "GET", "/lists")] == [200]  # no 401 first
    rotated = store.saved[-1]
    assert rotated.refresh_token != first.refresh_token
    assert rotated.expires_at == clock.value + 7200
    # the saved refresh token is the live one: the next run refreshes with it, no password
    advance(n2g_control, clock, 7200)
    list(make_client(token_store=store).lists())
    assert grants(n2g_control) == [PASSWORD_GRANT, REFRESH_GRANT, REFRESH_GRANT]


def test_a_refused_refresh_token_falls_back_to_the_password_grant(
    client, store, clock, n2g_control
):
    client.login()
    advance(n2g_control, clock, 31 * DAY)
    assert [item["name"] for item in client.lists()] == ["Default"]
    assert grants(n2g_control) == [PASSWORD_GRANT, REFRESH_GRANT, PASSWORD_GRANT]
    assert len(store.saved) == 2


def test_tokens_from_the_store_are_reused(make_client, store, n2g_control):
    make_client().login()
    later = make_client(token_store=store)
    list(later.lists())
    assert grants(n2g_control) == [PASSWORD_GRANT]
    assert later.requests_sent == 1


def test_stored_tokens_past_expiry_are_refreshed_not_replaced(
    make_client, store, clock, n2g_control
):
    make_client().login()
    advance(n2g_control, clock, 7200)
    list(make_client(token_store=store).lists())
    assert grants(n2g_control) == [PASSWORD_GRANT, REFRESH_GRANT]


def test_a_refresh_whose_answer_was_lost_ends_in_a_password_grant(
    client, make_client, store, clock, n2g_control
):
    client.login()
    advance(n2g_control, clock, 7200)
    n2g_control.add_fault(
        method="POST", path=TOKEN_PATH, fault="connection_reset", when="after", times=1
    )
    list(client.lists())  # the spent refresh token is refused, the password grant follows
    assert grants(n2g_control) == [PASSWORD_GRANT, REFRESH_GRANT, REFRESH_GRANT, PASSWORD_GRANT]
    advance(n2g_control, clock, 7200)
    list(make_client(token_store=store).lists())  # the next run refreshes with the saved token
    assert grants(n2g_control)[4:] == [REFRESH_GRANT]


def test_a_401_mid_run_renews_the_token_and_retries_once(client, n2g_control):
    client.login()
    n2g_control.advance_clock(7200)  # the service expires the token; the client cannot know
    assert [item["name"] for item in client.lists()] == ["Default"]
    assert [r["status"] for r in calls(n2g_control, "GET", "/lists")] == [401, 200]
    assert grants(n2g_control) == [PASSWORD_GRANT, REFRESH_GRANT]


def test_a_second_401_after_renewal_is_an_auth_error_not_a_loop(client, n2g_control, sleeps):
    client.login()
    n2g_control.add_fault(method="GET", path="/lists", status=401)
    with pytest.raises(AuthError) as caught:
        list(client.lists())
    assert caught.value.which == "refresh"
    assert len(calls(n2g_control, "GET", "/lists")) == 2
    assert grants(n2g_control) == [PASSWORD_GRANT, REFRESH_GRANT]
    assert sleeps == []


def test_a_wrong_auth_key_is_named_and_never_retried(make_client, n2g_control, sleeps):
    client = make_client(auth_key="wrong_client:wrong_secret_value")
    with pytest.raises(AuthError) as caught:
        client.current_user()
    assert caught.value.which == "auth_key"
    assert "N2G_AUTH_KEY" in str(caught.value)
    assert "wrong_secret_value" not in str(caught.value)
    assert "wrong_client" not in str(caught.value)
    assert len(n2g_control.requests(path_prefix=TOKEN_PATH)) == 1
    assert n2g_control.requests(path_prefix="/users") == []
    assert sleeps == []


def test_a_wrong_password_is_a_credentials_error(make_client, n2g_control, sleeps):
    client = make_client(password="not-the-password")
    with pytest.raises(AuthError) as caught:
        client.login()
    assert caught.value.which == "credentials"
    assert "N2G_PASSWORD" in str(caught.value)
    assert "N2G_USERNAME" in str(caught.value)
    assert "not-the-password" not in str(caught.value)
    assert len(n2g_control.requests(path_prefix=TOKEN_PATH)) == 1
    assert sleeps == []


def test_a_failing_token_endpoint_is_retried(client, n2g_control, sleeps):
    n2g_control.add_fault(method="POST", path=TOKEN_PATH, status=503, times=1)
    assert client.login().account_id
    assert grants(n2g_control) == [PASSWORD_GRANT, PASSWORD_GRANT]
    assert len(sleeps) == 1


# retries


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried_with_jittered_capped_backoff(
    client, n2g_control, sleeps, status
):
    client.login()
    n2g_control.add_fault(method="GET", path="/lists", status=status, times=3)
    assert [item["name"] for item in client.lists()] == ["Default"]
    assert [r["status"] for r in calls(n2g_control, "GET", "/lists")] == [status] * 3 + [200]
    assert len(sleeps) == 3
    for retry, seconds in enumerate(sleeps):
        assert 0 <= seconds <= 0.5 * 2**retry


@pytest.mark.parametrize(("status", "retry_after"), [(429, 2), (503, 3)])
def test_retry_after_is_honoured(client, n2g_control, sleeps, status, retry_after):
    client.login()
    n2g_control.add_fault(
        method="GET", path="/lists", status=status, retry_after=retry_after, times=2
    )
    list(client.lists())
    assert sleeps == [retry_after, retry_after]


def test_retry_after_is_capped_by_backoff_max(make_client, n2g_control, sleeps):
    client = make_client(backoff_max=10.0)
    client.login()
    n2g_control.add_fault(method="GET", path="/lists", status=429, retry_after=120, times=1)
    list(client.lists())
    assert sleeps == [10.0]


@pytest.mark.parametrize("fault", ["connection_reset", "empty_response", "malformed_body"])
def test_network_faults_on_a_read_are_retried(client, n2g_control, sleeps, fault):
    client.login()
    n2g_control.add_fault(method="GET", path="/lists", fault=fault, times=2)
    assert [item["name"] for item in client.lists()] == ["Default"]
    assert len(calls(n2g_control, "GET", "/lists")) == 3
    assert len(sleeps) == 2


def test_a_malformed_answer_to_a_patch_is_retried(client, n2g_control):
    list_id = client.create_list("Old name")
    n2g_control.add_fault(
        method="PATCH", path="/lists/*", fault="malformed_body", when="after", times=1
    )
    client.rename_list(list_id, "New name")
    assert len(calls(n2g_control, "PATCH", f"/lists/{list_id}")) == 2
    assert client.get_list(list_id)["name"] == "New name"


def test_timeouts_are_retried_and_every_request_carries_the_timeout(make_client):
    answers = iter([requests.ReadTimeout("read timed out")])

    def answer(method, url, kwargs):
        error = next(answers, None)
        if error is not None:
            raise error
        return canned(200, {"status": 200, "info": {"count": 0}, "value": []})

    session = ScriptedSession(answer)
    client = make_client(session=session, timeout=7.5)
    assert list(client.lists()) == []
    assert [c[0] for c in session.calls] == ["POST", "GET", "GET"]
    assert {c[2]["timeout"] for c in session.calls} == {7.5}


def test_every_request_to_the_service_carries_the_timeout(make_client, n2g_control):
    session = RecordingSession()
    client = make_client(session=session, timeout=4.0)
    n2g_control.add_fault(method="POST", path="/lists", status=503, times=1)
    list_id = client.create_list("Timed")  # token, POST 503, lookup, POST
    client.upsert_recipients(list_id, [{"email": "a@example.org"}])
    list(client.iter_recipients(list_id))
    assert len(session.kwargs) == client.requests_sent == 6
    assert {kwargs["timeout"] for kwargs in session.kwargs} == {4.0}


def test_retries_are_bounded_then_unavailable_names_method_path_and_cause(
    make_client, n2g_control, sleeps
):
    client = make_client(max_attempts=3)
    client.login()
    n2g_control.add_fault(method="GET", path="/lists", status=503)
    with pytest.raises(Unavailable) as caught:
        list(client.lists())
    assert "GET /lists" in str(caught.value)
    assert "503" in str(caught.value)
    assert len(calls(n2g_control, "GET", "/lists")) == 3
    assert len(sleeps) == 2


def test_unavailable_after_connection_errors_names_the_cause(make_client, n2g_control):
    client = make_client(max_attempts=2)
    client.login()
    n2g_control.add_fault(method="GET", path="/users", fault="connection_reset")
    with pytest.raises(Unavailable, match=r"GET /users .*ConnectionError"):
        client.current_user()


@pytest.mark.parametrize("status", [400, 403, 404, 409, 422])
def test_client_errors_are_not_retried(client, n2g_control, sleeps, status):
    list_id = client.create_list("Stays")
    n2g_control.add_fault(method="PATCH", path="/lists/*", status=status)
    expected = NotFound if status == 404 else ServiceError
    with pytest.raises(expected) as caught:
        client.rename_list(list_id, "Changed")
    assert caught.value.status == status
    assert len(calls(n2g_control, "PATCH", f"/lists/{list_id}")) == 1
    assert sleeps == []


def test_a_service_error_carries_status_code_and_message(client, n2g_control):
    list_id = client.create_list("Attributes")
    with pytest.raises(ServiceError) as caught:
        client.create_attribute(list_id, "not allowed!")
    assert (caught.value.status, caught.value.code) == (422, 10003)
    assert caught.value.message == "Error during input validation"
    assert "POST /attributes" in str(caught.value)
    assert len(calls(n2g_control, "POST", "/attributes")) == 1


# lists


def test_create_get_rename_and_list_lists(client):
    list_id = client.create_list("Weekly")
    assert client.get_list(list_id)["name"] == "Weekly"
    client.rename_list(list_id, "Monthly")
    assert {item["id"]: item["name"] for item in client.lists()}[list_id] == "Monthly"
    assert client.get_list("zzzz9999") is None
    with pytest.raises(NotFound):
        client.rename_list("zzzz9999", "Nope")


def test_lists_are_expanded_and_paged(client, n2g_control):
    for number in range(3):
        client.create_list(f"List {number}")
    found = list(client.lists())
    assert [item["name"] for item in found] == ["Default", "List 0", "List 1", "List 2"]
    assert all("has_opentracking" in item for item in found)
    [request] = calls(n2g_control, "GET", "/lists")
    assert request["query"]["_limit"] == ["500"]
    assert request["query"]["_offset"] == ["0"]


def test_find_lists_by_name_is_exact(client):
    weekly = client.create_list("Weekly")
    client.create_list("weekly")
    quoted = client.create_list('Say "hi" \\ bye')
    assert [item["id"] for item in client.find_lists_by_name("Weekly")] == [weekly]
    assert [item["id"] for item in client.find_lists_by_name('Say "hi" \\ bye')] == [quoted]
    assert client.find_lists_by_name("Nothing") == []


@pytest.mark.parametrize(
    ("fault", "when"),
    [
        ("malformed_body", "after"),
        ("connection_reset", "after"),
        ("empty_response", "after"),
    ],
)
def test_create_list_finds_a_list_whose_answer_was_lost(client, n2g_control, fault, when):
    n2g_control.add_fault(method="POST", path="/lists", fault=fault, when=when, times=1)
    list_id = client.create_list("Lost answer")
    assert [item["id"] for item in client.find_lists_by_name("Lost answer")] == [list_id]
    assert len(calls(n2g_control, "POST", "/lists")) == 1


def test_create_list_after_a_5xx_that_did_the_work_does_not_create_twice(client, n2g_control):
    n2g_control.add_fault(method="POST", path="/lists", status=500, when="after", times=1)
    list_id = client.create_list("Hidden")
    assert [item["id"] for item in client.find_lists_by_name("Hidden")] == [list_id]
    assert len(calls(n2g_control, "POST", "/lists")) == 1


def test_create_list_sends_again_when_the_lookup_finds_nothing(client, n2g_control, sleeps):
    n2g_control.add_fault(method="POST", path="/lists", status=503, times=1)
    list_id = client.create_list("Second try")
    assert [item["id"] for item in client.find_lists_by_name("Second try")] == [list_id]
    assert [r["status"] for r in calls(n2g_control, "POST", "/lists")] == [503, 201]
    assert len(sleeps) == 1


def test_create_list_ignores_lists_in_exclude(client, n2g_control):
    older = client.create_list("Twin")
    n2g_control.add_fault(method="POST", path="/lists", fault="connection_reset", times=1)
    newer = client.create_list("Twin", exclude={older})
    assert newer != older
    assert sorted(item["id"] for item in client.find_lists_by_name("Twin")) == sorted(
        [older, newer]
    )
    assert len(calls(n2g_control, "POST", "/lists")) == 3  # older, lost before the work, newer


def test_create_list_after_a_429_resends_without_a_lookup(client, n2g_control):
    client.login()
    n2g_control.add_fault(method="POST", path="/lists", status=429, times=1)
    client.create_list("Rate limited")
    assert len(calls(n2g_control, "POST", "/lists")) == 2
    assert calls(n2g_control, "GET", "/lists") == []


def test_create_list_gives_up_after_max_attempts_without_creating(make_client, n2g_control, sleeps):
    client = make_client(max_attempts=3)
    n2g_control.add_fault(method="POST", path="/lists", status=503)
    with pytest.raises(Unavailable, match="POST /lists"):
        client.create_list("Never")
    assert len(calls(n2g_control, "POST", "/lists")) == 3
    assert len(sleeps) == 2
    n2g_control.clear_faults()
    assert client.find_lists_by_name("Never") == []


# attributes


def test_create_attribute_twice_is_fine(client):
    list_id = client.create_list("With attributes")
    client.create_attribute(list_id, "customer_no")
    client.create_attribute(list_id, "customer_no")
    assert client.list_attributes(list_id) == ["customer_no"]


# recipients


def test_upsert_sends_false_empty_and_zero(client, n2g_control):
    list_id = client.create_list("Falsy")
    [contact_id] = client.upsert_recipients(
        list_id, [{"email": "erika@example.org", "first_name": "Erika", "is_unsubscribed": True}]
    ).ids
    sent = {"email": "erika@example.org", "first_name": "", "is_unsubscribed": False, "rating": 0}
    assert client.upsert_recipients(list_id, [sent]).ids == [contact_id]
    body = calls(n2g_control, "POST", "/recipients")[-1]["request_body"]
    assert body == [{**sent, "list_id": list_id}]
    stored = client.get_recipient(list_id, contact_id)
    assert (stored["first_name"], stored["is_unsubscribed"], stored["rating"]) == ("", False, 0)


def test_upsert_splits_mixed_key_sets_keeping_order(client, n2g_control):
    list_id = client.create_list("Mixed")
    recipients = [
        {"email": "a@example.org"},
        {"email": "b@example.org", "first_name": "Bea"},
        {"email": "c@example.org"},
        {"email": "d@example.org", "first_name": "Dan"},
    ]
    result = client.upsert_recipients(list_id, recipients)
    bodies = [r["request_body"] for r in calls(n2g_control, "POST", "/recipients")]
    assert [[item["email"] for item in body] for body in bodies] == [
        ["a@example.org", "c@example.org"],
        ["b@example.org", "d@example.org"],
    ]
    for body in bodies:
        assert len({frozenset(item) for item in body}) == 1
        assert all(item["list_id"] == list_id for item in body)
    emails = [client.get_recipient(list_id, rid)["email"] for rid in result.ids]
    assert emails == ["a@example.org", "c@example.org", "b@example.org", "d@example.org"]
    assert recipients[0] == {"email": "a@example.org"}  # the caller's dicts are not changed


def test_upsert_reports_invalid_recipients_and_saves_the_rest(client):
    list_id = client.create_list("Invalid")
    result = client.upsert_recipients(list_id, [{"email": "ok@example.org"}, {"email": "nope"}])
    assert len(result.ids) == 1
    assert result.invalid == [{"email": "nope", "list_id": list_id}]


def test_upsert_of_nothing_sends_nothing(client):
    assert client.upsert_recipients("abcd1234", []) == UpsertResult([], [])
    assert client.requests_sent == 0


def test_upsert_is_retried_after_a_lost_answer_without_duplicates(client, n2g_control):
    list_id = client.create_list("Retried upsert")
    n2g_control.add_fault(
        method="POST", path="/recipients", fault="connection_reset", when="after", times=1
    )
    result = client.upsert_recipients(list_id, [{"email": "once@example.org"}])
    assert len(calls(n2g_control, "POST", "/recipients")) == 2
    assert [item["id"] for item in client.iter_recipients(list_id)] == result.ids


def test_iter_recipients_pages_through_1201_contacts(client, n2g_control):
    list_id = client.create_list("Big")
    ids = contacts(client, list_id, 1201)
    assert len(calls(n2g_control, "POST", "/recipients")) == 3  # batches of 500
    n2g_control.clear_requests()
    seen = [item["id"] for item in client.iter_recipients(list_id, page_size=500)]
    assert sorted(seen) == sorted(ids)
    assert len(seen) == 1201
    pages = calls(n2g_control, "GET", f"/lists/{list_id}/recipients")
    assert [(r["query"]["_limit"], r["query"]["_offset"]) for r in pages] == [
        (["500"], ["0"]),
        (["500"], ["500"]),
        (["500"], ["1000"]),
    ]


def test_iter_recipients_with_fields_asks_for_those_and_the_id(client, n2g_control):
    list_id = client.create_list("Fields")
    contacts(client, list_id, 2, first_name="Max", last_name="Muster")
    found = list(client.iter_recipients(list_id, fields=["first_name"]))
    assert [set(item) for item in found] == [{"_href", "id", "first_name"}] * 2
    [request] = calls(n2g_control, "GET", f"/lists/{list_id}/recipients")
    assert request["query"]["_fields"] == ["id,first_name"]


def test_paging_stops_on_an_empty_page(make_client):
    def answer(method, url, kwargs):
        return canned(200, {"status": 200, "info": {"count": 1000}, "value": []})

    session = ScriptedSession(answer)
    assert list(make_client(session=session).iter_recipients("abcd1234")) == []
    assert len(session.calls) == 2  # token, one page


def test_paging_never_loops_forever_on_a_growing_count(make_client):
    def answer(method, url, kwargs):
        offset = kwargs["params"]["_offset"]
        items = [{"id": f"r{offset + i}"} for i in range(10)]
        return canned(200, {"status": 200, "info": {"count": offset + 20}, "value": items})

    session = ScriptedSession(answer)
    found = list(make_client(session=session).iter_recipients("abcd1234", page_size=10))
    assert len(found) == 30  # count 20 at first: 2 pages, plus one
    assert len(session.calls) == 1 + 3


def test_update_recipients_by_ids_in_chunks_of_50(client, n2g_control):
    list_id = client.create_list("Chunks")
    ids = contacts(client, list_id, 120, last_name="Before")
    chosen = ids[:110]
    assert client.update_recipients_by_ids(list_id, [*chosen, chosen[0]], {"last_name": ""}) == 110
    patches = calls(n2g_control, "PATCH", f"/lists/{list_id}/recipients")
    assert [r["query"]["_filter"][0].count(",") + 1 for r in patches] == [50, 50, 10]
    names = {item["id"]: item["last_name"] for item in client.iter_recipients(list_id)}
    assert {rid for rid, name in names.items() if name == ""} == set(chosen)
    assert {names[rid] for rid in ids[110:]} == {"Before"}


@pytest.mark.parametrize("ids", [[], "abcd1234"])
def test_update_recipients_by_ids_refuses_what_would_mean_all(client, n2g_control, ids):
    list_id = client.create_list("Untouched")
    contacts(client, list_id, 3)
    sent = client.requests_sent
    with pytest.raises(ValueError, match="non-empty list of ids"):
        client.update_recipients_by_ids(list_id, ids, {"is_unsubscribed": True})
    assert client.requests_sent == sent
    assert all(not item["is_unsubscribed"] for item in client.iter_recipients(list_id))


def test_update_and_get_one_recipient(client):
    list_id = client.create_list("One")
    [rid] = contacts(client, list_id, 1)
    client.update_recipient(list_id, rid, {"email": "new@example.org", "is_unsubscribed": True})
    stored = client.get_recipient(list_id, rid)
    assert (stored["email"], stored["is_unsubscribed"]) == ("new@example.org", True)
    with pytest.raises(NotFound):
        client.update_recipient(list_id, "zzzz9999", {"first_name": "X"})
    assert client.get_recipient(list_id, "zzzz9999") is None


def test_find_recipient_by_email_ignores_case(client):
    list_id = client.create_list("Find")
    [rid] = client.upsert_recipients(list_id, [{"email": "Erika@Example.org"}]).ids
    assert client.find_recipient(list_id, "erika@example.ORG")["id"] == rid
    assert client.find_recipient(list_id, "nobody@example.org") is None


# account


def test_current_user_shows_developer_mode(client):
    user = client.current_user()
    assert user["is_developer_mode"] is True
    assert user["account_id"] == client.account_id()


def test_requests_sent_counts_every_request(client, n2g_control):
    n2g_control.add_fault(method="GET", path="/lists", status=500, times=1)
    list(client.lists())
    assert client.requests_sent == 3  # token, failed page, page


# secrets


def test_no_secret_in_logs_reprs_or_errors(
    make_client, n2g_credentials, n2g_control, store, clock, caplog
):
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    client = make_client()
    list_id = client.create_list("Secrets")
    client.upsert_recipients(list_id, [{"email": "s@example.org"}])
    advance(n2g_control, clock, 7200)  # refresh
    list(client.lists())
    advance(n2g_control, clock, 31 * DAY)  # refresh refused, password grant
    list(client.lists())
    n2g_control.advance_clock(7200)  # 401 mid-run
    list(client.lists())
    n2g_control.add_fault(method="GET", path="/lists", status=503, times=1)
    list(client.lists())
    n2g_control.add_fault(method="GET", path="/users", fault="connection_reset")
    with pytest.raises(Unavailable) as unavailable:
        client.current_user()
    n2g_control.clear_faults()
    n2g_control.add_fault(method="GET", path="/lists", status=401)
    with pytest.raises(AuthError) as refused:
        list(client.lists())
    wrong_key = make_client(auth_key="other_client:other_secret_key", token_store=None)
    with pytest.raises(AuthError) as bad_key:
        wrong_key.login()
    wrong_password = make_client(password="wrong-password-123", token_store=None)
    with pytest.raises(AuthError) as bad_password:
        wrong_password.login()
    texts += [str(e.value) for e in (unavailable, refused, bad_key, bad_password)]
    texts += [repr(client), repr(client.settings), str(client.settings)]
    texts += [repr(tokens) for tokens in store.saved]
    texts.append(caplog.text)

    auth_key = n2g_credentials.auth_key
    secrets = {
        auth_key,
        auth_key.partition(":")[2],
        base64.b64encode(auth_key.encode()).decode(),
        n2g_credentials.password,
        "other_secret_key",
        "wrong-password-123",
    }
    assert len(store.saved) >= 4
    for tokens in store.saved:
        secrets |= {tokens.access_token, tokens.refresh_token}
    assert "GET /lists" in caplog.text  # the logs do say what happened
    for text in texts:
        for secret in secrets:
            assert secret not in text
