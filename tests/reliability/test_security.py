"""Test 11, security: the control API behind its token, accounts apart, tokens that expire and
rotate, and no secret in anything the suite produces.

The account-isolation sweep reuses `tests/unit/test_isolation.py`'s machinery (its arrange,
walk and checks), here over real HTTP against a served mock instead of Flask's test client.
"""

import base64
import logging
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import requests

from mock_n2g.backend import AccountSpec
from mock_n2g.control import ControlPolicy
from mock_n2g.control.access import ADMIN_HEADER
from mock_n2g.testing import DEFAULT_ACCOUNT, MockServer
from sync.client import Client
from sync.engine import Engine
from sync.portal import read_events
from sync.state import State
from tests.reliability.campaign import Portal
from tests.reliability.conftest import settings_for
from tests.serving import serve_cli
from tests.support import MAIN_ACCOUNT, OTHER_ACCOUNT, PASSWORD_GRANT, REFRESH_GRANT, Api
from tests.unit import test_isolation as isolation

TIMEOUT = 30
ROOT = Path(__file__).resolve().parents[2]
ADMIN_TOKEN = "adm1n-T0ken-for-the-campaign-7f3a"
ERROR_KEYS = {"status", "code", "errorMessage"}
RULE_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
# what any mock mints: `__` + a JWT whose header is {"typ": "JWT", "alg": "HS256"}
MINTED_TOKEN = re.compile(r"__eyJ0eXAiOiAiSldUIiwgImFsZyI6ICJIUzI1NiJ9\.[\w-]+\.[\w-]+")


# the control API needs the admin token


def control_routes(app) -> list[tuple[str, str]]:
    """Every (method, path) of `/_mock/...` in the URL map, parameters filled in."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/_mock"):
            path = RULE_PARAMETER.sub("1", rule.rule)
            routes.extend((method, path) for method in sorted(rule.methods))
    return sorted(set(routes))


def test_no_control_endpoint_answers_without_the_admin_token():
    with MockServer(control=ControlPolicy(admin_token=ADMIN_TOKEN)) as mock:
        routes = control_routes(mock.app)
        walked = {path for _, path in routes}
        documented = {"/_mock/reset", "/_mock/accounts", "/_mock/clock", "/_mock/outbox"}
        documented |= {"/_mock/faults", "/_mock/faults/1", "/_mock/requests", "/_mock/health"}
        assert documented <= walked, f"routes missing from the URL map: {documented - walked}"
        wrong = [
            {},
            {ADMIN_HEADER: ""},
            {ADMIN_HEADER: ADMIN_TOKEN + "x"},
            {ADMIN_HEADER: ADMIN_TOKEN[:-1]},
            {ADMIN_HEADER: ADMIN_TOKEN.upper()},
            {"Authorization": f"Bearer {ADMIN_TOKEN}"},
            {"X-Mock-Admin": ADMIN_TOKEN},
        ]
        failures = []
        for method, path in routes:
            url = mock.base_url + path
            for headers in wrong:
                response = requests.request(method, url, headers=headers, json={}, timeout=30)
                if path == "/_mock/health":  # open by design, for health checks
                    if response.status_code != 200:
                        failures.append(f"{method} {path}: health answers {response.status_code}")
                    continue
                if response.status_code != 403:
                    failures.append(f"{method} {path} with {headers}: {response.status_code}")
                elif method != "HEAD" and set(response.json()) != ERROR_KEYS:
                    failures.append(f"{method} {path}: 403 body {response.text[:200]}")
            allowed = requests.request(
                method, url, headers={ADMIN_HEADER: ADMIN_TOKEN}, json={}, timeout=30
            )
            if allowed.status_code == 403:
                failures.append(f"{method} {path}: 403 even with the admin token")
        assert not failures, "\n".join(failures)
        assert len(routes) >= 20, f"the walk is too short to mean anything: {routes}"


def test_the_served_mock_takes_its_admin_token_from_the_environment():
    with serve_cli(env={"N2G_MOCK_ADMIN_TOKEN": ADMIN_TOKEN}) as served:
        url = served.url() + "/_mock/requests"
        assert requests.get(url, timeout=TIMEOUT).status_code == 403
        wrong = {ADMIN_HEADER: "guess"}
        assert requests.get(url, headers=wrong, timeout=TIMEOUT).status_code == 403
        right = {ADMIN_HEADER: ADMIN_TOKEN}
        assert requests.get(url, headers=right, timeout=TIMEOUT).status_code == 200
        output = "".join(served.output)
    assert ADMIN_TOKEN not in output, "the admin token was printed"


# accounts apart: the isolation sweep over real HTTP


class LiveResponse:
    """A `requests` answer that reads like Flask's test response."""

    def __init__(self, response: requests.Response) -> None:
        self.status_code = response.status_code
        self._response = response

    def get_json(self, silent: bool = False) -> Any:
        try:
            return self._response.json()
        except ValueError:
            if silent:
                return None
            raise

    def get_data(self, as_text: bool = False) -> Any:
        return self._response.text if as_text else self._response.content


class LiveClient:
    """Flask's test-client calls (`open`, `get`, `post`, ...) sent to a served mock."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()

    def open(self, path: str, method: str = "GET", **kwargs: Any) -> LiveResponse:
        headers = dict(kwargs.pop("headers", None) or {})
        content_type = kwargs.pop("content_type", None)
        data = kwargs.pop("data", None)
        files = None
        if isinstance(data, dict):  # a multipart upload: {"field": (stream, filename)}
            files = {name: (v[1], v[0].read()) for name, v in data.items()}
            data = None
        elif content_type:
            headers["Content-Type"] = content_type
        response = self.session.request(
            method,
            self.base_url + path,
            headers=headers,
            data=data,
            files=files,
            json=kwargs.pop("json", None),
            timeout=TIMEOUT,
        )
        assert not kwargs, f"LiveClient does not know {sorted(kwargs)}"
        return LiveResponse(response)

    def get(self, path: str, **kwargs: Any) -> LiveResponse:
        return self.open(path, "GET", **kwargs)

    def post(self, path: str, **kwargs: Any) -> LiveResponse:
        return self.open(path, "POST", **kwargs)

    def patch(self, path: str, **kwargs: Any) -> LiveResponse:
        return self.open(path, "PATCH", **kwargs)

    def delete(self, path: str, **kwargs: Any) -> LiveResponse:
        return self.open(path, "DELETE", **kwargs)


def test_no_id_of_another_account_is_reachable_over_http(record_property):
    with MockServer(accounts=[MAIN_ACCOUNT, OTHER_ACCOUNT]) as mock:
        client = LiveClient(mock.base_url)
        world = isolation.World(
            a=isolation.arrange(Api(client, MAIN_ACCOUNT), isolation.A_MARK),
            b=isolation.arrange(Api(client, OTHER_ACCOUNT), isolation.B_MARK),
        )
        assert not world.a.ids() & world.b.ids()
        sides = {"A": world.a, "B": world.b}
        before = world.state()
        failures, sent = [], 0
        for method, rule in isolation.walked(mock.app):
            names = [*isolation.rule_parameters(rule), *isolation.BODY_IDS.get((method, rule), ())]
            for combination in isolation.mixes(names):
                ids = {name: getattr(sides[owner], attr) for name, owner, attr in combination}
                body = isolation.request_body(method, rule, world, ids)
                path = isolation.fill(rule, ids)
                response = isolation.send(world.a.api, method, path, body)
                sent += 1
                problem = isolation.error_problem(response)
                if problem:
                    failures.append(f"{method} {path}: {problem}")
                    continue
                unknown = {
                    name: isolation.UNKNOWN[name] if owner == "B" else ids[name]
                    for name, owner, _ in combination
                }
                nowhere = isolation.send(
                    world.a.api,
                    method,
                    isolation.fill(rule, unknown),
                    isolation.request_body(method, rule, world, unknown),
                )
                message = response.get_json()["errorMessage"]
                for name, owner, _ in combination:
                    if owner == "B":
                        message = message.replace(ids[name], isolation.UNKNOWN[name])
                if (
                    isolation.error_problem(nowhere)
                    or nowhere.get_json()["errorMessage"] != message
                ):
                    failures.append(f"{method} {path}: B's id is told from an unknown id")
        changed = isolation.changes(before, world.state())
    assert not failures, "\n".join(failures[:30])
    assert not changed, "requests on the other account's ids changed:\n" + "\n".join(changed)
    record_property("campaign", f"isolation over HTTP: {sent} requests on B's ids, all 404")


# tokens that expire and rotate


def grant(mock: MockServer, body: dict) -> requests.Response:
    client_id, _, secret = mock.credentials.auth_key.partition(":")
    return requests.post(
        f"{mock.base_url}/oauth/v2/token", auth=(client_id, secret), json=body, timeout=TIMEOUT
    )


def test_spent_refresh_tokens_and_expired_access_tokens_are_refused():
    with MockServer() as mock:
        credentials = mock.credentials
        login = grant(
            mock,
            {
                "username": credentials.username,
                "password": credentials.password,
                "grant_type": PASSWORD_GRANT,
            },
        ).json()
        first = login["refresh_token"]
        rotated = grant(mock, {"refresh_token": first, "grant_type": REFRESH_GRANT})
        assert rotated.status_code == 200, rotated.text
        assert rotated.json()["refresh_token"] != first
        for grant_type in (REFRESH_GRANT, PASSWORD_GRANT):  # both grant types refresh
            again = grant(mock, {"refresh_token": first, "grant_type": grant_type})
            assert again.status_code == 400, f"a spent refresh token was taken: {again.text}"
            assert again.json()["error"] == "invalid_grant"
        second = rotated.json()["refresh_token"]
        assert grant(mock, {"refresh_token": second, "grant_type": REFRESH_GRANT}).ok

        access = {"Authorization": f"Bearer {rotated.json()['access_token']}"}
        lists = f"{mock.base_url}/lists"
        mock.control.advance_clock(7199)
        assert requests.get(lists, headers=access, timeout=TIMEOUT).status_code == 200
        mock.control.advance_clock(1)  # 7200 s after it was issued
        expired = requests.get(lists, headers=access, timeout=TIMEOUT)
        assert expired.status_code == 401, f"an expired access token was taken: {expired.text}"
        assert expired.json()["error"] == "invalid_grant"

        late = grant(mock, {"refresh_token": second, "grant_type": REFRESH_GRANT})
        assert late.status_code == 400, "a spent refresh token was taken after expiry"
        fresh = grant(
            mock,
            {
                "username": credentials.username,
                "password": credentials.password,
                "grant_type": PASSWORD_GRANT,
            },
        ).json()["refresh_token"]
        mock.control.advance_clock(30 * 24 * 3600)
        month = grant(mock, {"refresh_token": fresh, "grant_type": REFRESH_GRANT})
        assert month.status_code == 400, "a refresh token older than a month was taken"
        assert month.json()["error"] == "invalid_grant"


# no secret in what the suite produces


def known_secrets(*specs: AccountSpec) -> set[str]:
    """Passwords, auth keys, their client secrets and Basic header values."""
    secrets = set()
    for spec in specs:
        secrets |= {spec.password, spec.auth_key, spec.auth_key.partition(":")[2]}
        secrets.add(base64.b64encode(spec.auth_key.encode()).decode())
    return secrets


SUITE_ACCOUNTS = (
    MAIN_ACCOUNT,
    OTHER_ACCOUNT,
    DEFAULT_ACCOUNT,
    AccountSpec(
        auth_key="mock_client_id:mock_client_secret",
        username="demo@example.org",
        password="demo-password",
    ),
)


def leaks(text: str, secrets: set[str]) -> list[str]:
    found = [f"secret {secret[:4]}…" for secret in secrets if secret and secret in text]
    found += [f"token {token[:12]}…" for token in MINTED_TOKEN.findall(text)]
    return found


def produced_files() -> list[Path]:
    """The suite's reports and pacts, where earlier runs or tests left them."""
    files = []
    for directory in ("reports", "pacts"):
        if (ROOT / directory).is_dir():
            files += sorted(path for path in (ROOT / directory).rglob("*") if path.is_file())
    return files


def test_nothing_the_suite_produces_holds_a_secret(tmp_path, caplog, record_property):
    secrets = known_secrets(*SUITE_ACCOUNTS) | {ADMIN_TOKEN}
    texts: dict[str, str] = {}
    with MockServer() as mock:
        credentials = mock.credentials
        mock.control.add_fault(method="POST", path="/oauth/v2/token", status=503, times=1)
        mock.control.add_fault(method="POST", path="/recipients", status=500, times=2)

        # in process, with the client logging everything it logs
        portal = Portal(7, 60)
        events, errors = read_events(portal.lines())
        assert errors == []
        caplog.set_level(logging.DEBUG)
        state = State(tmp_path / "engine.sqlite")
        try:
            client = Client(settings_for(credentials, backoff_base=0.001), token_store=state)
            assert Engine(client, state).push(events[:30]).ok
            mock.control.advance_clock(7200)  # the next call meets a 401 and refreshes
            assert Engine(client, state).push(events[30:]).ok
            stored = state.load_tokens()
        finally:
            state.close()
        secrets |= {stored.access_token, stored.refresh_token}
        texts["log of an in-process sync"] = caplog.text

        # the CLI with -v: a login, then a run after the access token expired
        lines = portal.lines()
        halves = [tmp_path / "first.jsonl", tmp_path / "second.jsonl"]
        halves[0].write_text("\n".join(lines[:30]) + "\n", encoding="utf-8")
        halves[1].write_text("\n".join(lines[30:]) + "\n", encoding="utf-8")
        env = {**credentials.as_env(), "PYTHONUNBUFFERED": "1"}
        run = [sys.executable, "-m", "sync.cli", "-v", "--state", str(tmp_path / "cli.sqlite")]
        outputs = []
        for events_file in halves:
            mock.control.add_fault(method="PATCH", path="/lists/*", status=502, times=1)
            done = subprocess.run(
                [*run, "push", str(events_file)],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert done.returncode == 0, done.stdout + done.stderr
            outputs.append(done.stdout + done.stderr)
            mock.control.advance_clock(7200)
        with State(tmp_path / "cli.sqlite") as cli_state:
            stored = cli_state.load_tokens()
        secrets |= {stored.access_token, stored.refresh_token}
        texts["n2g-sync -v output"] = "\n".join(outputs)
        cli_log = texts["n2g-sync -v output"]
        for logged in ("POST /oauth/v2/token -> 200", "POST /recipients -> 201", "-> 401"):
            assert logged in cli_log, f"-v did not log each request ({logged!r}):\n{cli_log}"
        assert "access token refreshed" in cli_log, f"no token renewal was logged:\n{cli_log}"
        texts["the mock's request journal"] = requests.get(
            f"{mock.base_url}/_mock/requests", timeout=TIMEOUT
        ).text
    assert '"<redacted>"' in texts["the mock's request journal"], "no token request journaled"
    for path in produced_files():
        texts[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8", errors="replace")

    found = {name: leaks(text, secrets) for name, text in texts.items()}
    found = {name: items for name, items in found.items() if items}
    assert not found, f"secrets found: {found}"
    scanned = ", ".join(f"{name} ({len(text)} chars)" for name, text in texts.items())
    record_property("campaign", f"no secret in: {scanned}")


def test_the_secret_scan_finds_what_it_looks_for():
    """The scan is not vacuous: a token or password in a text is reported."""
    with MockServer() as mock:
        token = grant(
            mock,
            {
                "username": mock.credentials.username,
                "password": mock.credentials.password,
                "grant_type": PASSWORD_GRANT,
            },
        ).json()["access_token"]
    secrets = known_secrets(DEFAULT_ACCOUNT)
    assert leaks(f"Authorization: Bearer {token}", set()) != []
    assert leaks(f"password={DEFAULT_ACCOUNT.password}", secrets) != []
    basic = base64.b64encode(DEFAULT_ACCOUNT.auth_key.encode()).decode()
    assert leaks(f"Authorization: Basic {basic}", secrets) != []
    assert leaks("nothing to see", secrets) == []
