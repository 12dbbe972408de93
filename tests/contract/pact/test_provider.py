"""Provider side: the committed pact verified against the mock in a thread of this process.

Provider states are Python handlers (`states.py`) that create their data through the mock's
public API and hand the new ids to the interactions; the mock is reset after each interaction.
"""

import json
import re
from collections.abc import Iterator

import pytest
from flask import Response

from mock_n2g.testing import MockServer
from tests.contract.pact.contract import PACT_FILE, READ_ONLY
from tests.contract.pact.states import ProviderAccount, ProviderApi
from tests.contract.pact.verify import main, redact, verify_provider


def account_of(mock: MockServer) -> ProviderAccount:
    credentials = mock.credentials
    return ProviderAccount(
        mock.base_url, credentials.auth_key, credentials.username, credentials.password
    )


def pact_interactions() -> list[dict]:
    return json.loads(PACT_FILE.read_text(encoding="utf-8"))["interactions"]


@pytest.fixture
def mock() -> Iterator[MockServer]:
    with MockServer() as server:
        yield server


def test_the_mock_honours_the_pact(mock):
    result = verify_provider(account_of(mock), provision=True, reset=mock.reset)
    assert result.passed, result.output + "\n".join(map(str, result.failures))
    assert sorted(result.interactions) == sorted(i["description"] for i in pact_interactions())
    assert not result.state_errors


def rename_info_count(response: Response) -> Response:
    """A provider that breaks the contract: `info.count` is called `info.total`."""
    if response.is_json:
        body = response.get_json(silent=True)
        if isinstance(body, dict) and isinstance(body.get("info"), dict):
            info = body["info"]
            if "count" in info:
                info["total"] = info.pop("count")
                response.set_data(json.dumps(body))
    return response


def test_verification_fails_when_the_provider_renames_a_field():
    broken = MockServer()
    broken.app.after_request(rename_info_count)
    with broken:
        result = verify_provider(account_of(broken), provision=True, reset=broken.reset)
    expecting_count = {
        interaction["description"]
        for interaction in pact_interactions()
        if "count" in (interaction["response"].get("body", {}).get("content", {}).get("info") or {})
    }
    assert not result.passed
    assert expecting_count, "the pact no longer expects info.count anywhere"
    assert {failure.interaction for failure in result.failures} == expecting_count
    for failure in result.failures:
        assert (failure.path, failure.message) == (
            "$.info",
            "Actual map is missing the following keys: count",
        )
    assert "Actual map is missing the following keys: count" in result.output


def env_of(mock: MockServer) -> dict[str, str]:
    credentials = mock.credentials
    return {
        "N2G_AUTH_KEY": credentials.auth_key,
        "N2G_USERNAME": credentials.username,
        "N2G_PASSWORD": credentials.password,
    }


def test_the_cli_verifies_an_n2g_mock(mock, capsys):
    assert main(["--base-url", mock.base_url, "--mock"], env=env_of(mock)) == 0
    out = capsys.readouterr().out
    assert f"the pact holds at {mock.base_url} ({len(pact_interactions())} interactions)" in out
    assert mock.credentials.password not in out


def test_at_a_staging_account_missing_data_fails_clearly_and_nothing_is_written(mock, capsys):
    mock.control.clear_requests()
    assert main(["--base-url", mock.base_url], env=env_of(mock)) == 1
    out = capsys.readouterr().out
    for name in ("Weekly", "Monthly"):
        assert (
            "provider state not set up: provider state 'a list exists': the account has no list "
            f"named {name!r}; prepare it there" in out
        )
    assert "the pact does NOT hold" in out
    written = [r for r in mock.control.requests() if r["method"] != "GET"]
    assert {r["path"] for r in written} == {"/oauth/v2/token"}
    reads = [i["description"] for i in pact_interactions() if i["description"].startswith("GET ")]
    assert all(f"  {description} (" in out for description in reads)


def test_a_prepared_staging_account_verifies_read_only(mock, capsys):
    api = ProviderApi(account_of(mock))
    for name in ("Monthly", "Weekly"):
        list_id = api.call("POST", "/lists", body={"name": name})["value"][0]["id"]
    emails = ["max@example.org", "erika@example.org", "john@example.org"]
    api.call("POST", "/recipients", body=[{"email": e, "list_id": list_id} for e in emails])
    api.call("POST", "/attributes", body={"list_ids": [list_id], "name": "plan", "type": "text"})
    mock.control.clear_requests()
    assert main(["--base-url", mock.base_url], env=env_of(mock)) == 0
    reads = [i for i in pact_interactions() if re.match(READ_ONLY, i["description"])]
    assert (
        f"the pact holds at {mock.base_url} ({len(reads)} interactions)" in capsys.readouterr().out
    )
    written = {r["path"] for r in mock.control.requests() if r["method"] != "GET"}
    assert written == {"/oauth/v2/token"}


@pytest.mark.parametrize("missing", ["N2G_AUTH_KEY", "N2G_USERNAME", "N2G_PASSWORD"])
def test_the_cli_needs_credentials(missing, capsys):
    env = {"N2G_AUTH_KEY": "a:b", "N2G_USERNAME": "u@example.org", "N2G_PASSWORD": "p"}
    env[missing] = " "
    assert main(["--base-url", "http://127.0.0.1:9"], env=env) == 2
    err = capsys.readouterr().err
    assert f"{missing} not set" in err


def test_the_cli_needs_a_base_url(capsys):
    env = {"N2G_AUTH_KEY": "a:b", "N2G_USERNAME": "u@example.org", "N2G_PASSWORD": "p"}
    assert main([], env=env) == 2
    assert "--base-url" in capsys.readouterr().err


def test_read_only_selects_the_reads_and_the_token_grants():
    descriptions = [i["description"] for i in pact_interactions()]
    chosen = {d for d in descriptions if re.match(READ_ONLY, d)}
    assert chosen == {d for d in descriptions if d.startswith(("GET ", "POST /oauth/v2/token"))}


def test_the_report_is_redacted():
    report = (
        '+  "access_token": "__eyJhbGciOi.x.y",\n  "refresh_token": "r-123",\n'
        "Authorization: Bearer abcdefghijklmnop, Basic bXlrZXk6c2VjcmV0\n"
        "password s3cr3t-pw in a message\n"
    )
    text = redact(report, {"s3cr3t-pw"})
    for secret in ("__eyJ", "r-123", "s3cr3t-pw", "abcdefghijklmnop", "bXlrZXk6c2VjcmV0"):
        assert secret not in text
    assert '"access_token": "<redacted>"' in text
