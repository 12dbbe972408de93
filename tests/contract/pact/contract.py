"""What both sides of the pact share: names, the pact file, provider states, examples, matchers.

Every credential, token and id that exists only at verification time is injected from the
provider state (`${name}` expressions); the pact file holds neutral examples of them only.
"""

from __future__ import annotations

import re
from pathlib import Path

from pact import generate, match
from pact.match.matcher import AbstractMatcher, GenericMatcher

CONSUMER = "n2g-sync"
PROVIDER = "newsletter2go"
PACT_DIR = Path(__file__).resolve().parents[3] / "pacts"
PACT_FILE = PACT_DIR / f"{CONSUMER}-{PROVIDER}.json"

# Provider states; the values each one hands to the interactions are named after it.
CREDENTIALS = "the account's API credentials are valid"  # basicCredentials, username, password
LOGGED_IN = "the account is logged in"  # accessToken
REFRESH_TOKEN = "the account holds a refresh token"
LIST = "a list exists"  # params: name; listId
RECIPIENTS = "the list has recipients"  # params: emails; recipientId (of the first)
ATTRIBUTE = "the list has an attribute"  # params: name
NO_ATTRIBUTE = "the list has no attribute"  # params: name
USER = "the account has a user"  # userId

# Interactions whose description matches this change nothing in the account.
READ_ONLY = r"^(GET |POST /oauth/)"

ID = r"[a-z0-9]{8}"
TOKEN = r"[A-Za-z0-9._~+/=-]+"  # an RFC 6750 b64token
JSON = r"application/json(;.*)?"

# Neutral examples: short enough never to look like a real header value.
EXAMPLE_BASIC = "eDp5"  # base64 of "x:y"
EXAMPLE_USERNAME = "user@example.org"
EXAMPLE_PASSWORD = "fake"
EXAMPLE_ACCESS_TOKEN = "fake.access"
EXAMPLE_REFRESH_TOKEN = "fake.refresh"
EXAMPLE_ROTATED_TOKEN = "fake.rotated"
EXAMPLE_IDS = {
    "accountId": "acc00001",
    "listId": "lst00001",
    "recipientId": "rcp00001",
    "userId": "usr00001",
}
MISSING_ID = "zzzz9999"  # an id no record has


def injected(example: str, expression: str, regex: str) -> AbstractMatcher[str]:
    """A value matched by `regex` that the verifier takes from the provider state."""
    return GenericMatcher(
        "regex", example, generator=generate.provider_state(expression), regex=regex
    )


def an_id(name: str) -> AbstractMatcher[str]:
    """An id in a response: any 8 lowercase letters or digits."""
    return match.regex(EXAMPLE_IDS[name], regex=ID)


def path(template: str) -> AbstractMatcher[str] | str:
    """A path whose `{listId}`-style segments are injected from the provider state."""
    names = re.findall(r"\{(\w+)\}", template)
    if not names:
        return template
    example = template.format(**EXAMPLE_IDS)
    expression = re.sub(r"\{(\w+)\}", r"${\1}", template)
    regex = re.sub(r"\\\{\w+\\\}", ID, re.escape(template))
    return injected(example, expression, regex)


def bearer() -> AbstractMatcher[str]:
    """`Authorization` of an API call: the access token the provider state logged in with."""
    return injected(f"Bearer {EXAMPLE_ACCESS_TOKEN}", "Bearer ${accessToken}", f"Bearer {TOKEN}")


def basic() -> AbstractMatcher[str]:
    """`Authorization` of a token request: the account's auth key."""
    return injected(
        f"Basic {EXAMPLE_BASIC}", "Basic ${basicCredentials}", r"Basic [A-Za-z0-9+/]+={0,2}"
    )
