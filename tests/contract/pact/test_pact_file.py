"""The committed pact holds no credential or token: only neutral examples, matched by regex."""

import base64
import json
import re

import pytest

from mock_n2g.testing import DEFAULT_ACCOUNT
from tests.contract.pact.contract import EXAMPLE_ACCESS_TOKEN, EXAMPLE_BASIC, PACT_FILE
from tests.contract.pact.test_consumer import AUTH_KEY, PASSWORD, USERNAME

# the pattern the repository's before-stop hook flags in pacts/, without its leading quote
AUTH_LITERAL = re.compile(r"(Basic|Bearer) [A-Za-z0-9+/=_.-]{12,}")
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}")


def credentials(auth_key: str, username: str, password: str) -> list[str]:
    client_id, _, client_secret = auth_key.partition(":")
    basic = base64.b64encode(auth_key.encode()).decode()
    return [auth_key, client_id, client_secret, basic, username, password]


SECRETS = [
    *credentials(AUTH_KEY, USERNAME, PASSWORD),
    *credentials(DEFAULT_ACCOUNT.auth_key, DEFAULT_ACCOUNT.username, DEFAULT_ACCOUNT.password),
    *credentials("mock_client_id:mock_client_secret", "demo@example.org", "demo-password"),
]


@pytest.fixture(scope="module")
def text() -> str:
    return PACT_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pact(text) -> dict:
    return json.loads(text)


@pytest.mark.parametrize("secret", SECRETS)
def test_no_credential_of_the_tests_is_in_the_pact(text, secret):
    assert secret not in text


def test_no_authorization_value_or_token_is_in_the_pact(text):
    assert AUTH_LITERAL.findall(text) == []
    assert JWT.findall(text) == []


def test_every_authorization_header_is_a_regex_filled_from_the_provider_state(pact):
    for interaction in pact["interactions"]:
        request = interaction["request"]
        examples = ([f"Bearer {EXAMPLE_ACCESS_TOKEN}"], [f"Basic {EXAMPLE_BASIC}"])
        assert request["headers"]["Authorization"] in examples
        rule = request["matchingRules"]["header"]["Authorization"]["matchers"][0]
        assert rule["match"] == "regex", interaction["description"]
        generator = request["generators"]["header"]["Authorization"]
        assert generator["type"] == "ProviderState", interaction["description"]


def test_token_requests_take_credentials_and_tokens_from_the_provider_state(pact):
    token_requests = [
        interaction["request"]
        for interaction in pact["interactions"]
        if interaction["request"]["path"] == "/oauth/v2/token"
    ]
    assert len(token_requests) == 2
    for request in token_requests:
        secret_fields = {"username", "password", "refresh_token"} & set(request["body"]["content"])
        assert secret_fields
        for name in secret_fields:
            assert request["generators"]["body"][f"$.{name}"]["type"] == "ProviderState"
            assert request["matchingRules"]["body"][f"$.{name}"]["matchers"][0]["match"] == "regex"


def test_tokens_in_responses_are_examples_matched_by_regex(pact):
    for interaction in pact["interactions"]:
        response = interaction["response"]
        content = response.get("body", {}).get("content")
        for name in ("access_token", "refresh_token"):
            if isinstance(content, dict) and name in content:
                assert content[name].startswith("fake.")
                rule = response["matchingRules"]["body"][f"$.{name}"]["matchers"][0]
                assert rule["match"] == "regex"
