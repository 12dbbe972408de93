"""The default account of `n2g-mock serve`, and secrets kept out of reprs."""

import pytest

from mock_n2g import create_app
from mock_n2g.backend import AccountSpec, Backend
from mock_n2g.backend.accounts import DEMO_AUTH_KEY, DEMO_PASSWORD, DEMO_USERNAME
from mock_n2g.clock import Clock
from tests.support import Api


def test_default_account_uses_documented_demo_values_when_env_is_unset(monkeypatch):
    for name in ("N2G_MOCK_AUTH_KEY", "N2G_MOCK_USERNAME", "N2G_MOCK_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    spec = AccountSpec.from_env()
    assert (spec.auth_key, spec.username, spec.password) == (
        DEMO_AUTH_KEY,
        DEMO_USERNAME,
        DEMO_PASSWORD,
    )
    api = Api(create_app().test_client(), spec)
    lists = api.get("/lists?_expand=1").get_json()
    assert [item["name"] for item in lists["value"]] == ["Default"]


def test_default_account_follows_the_environment(monkeypatch):
    monkeypatch.setenv("N2G_MOCK_AUTH_KEY", "env_id:env_secret")
    monkeypatch.setenv("N2G_MOCK_USERNAME", "env@example.org")
    monkeypatch.setenv("N2G_MOCK_PASSWORD", "env-pass")
    monkeypatch.delenv("N2G_MOCK_FORM_CODE", raising=False)
    spec = AccountSpec.from_env()
    assert spec == AccountSpec(
        "env_id:env_secret", "env@example.org", "env-pass", default_form_code="demoform"
    )
    Api(create_app().test_client(), spec)  # logs in, or fails


def test_secrets_never_show_in_reprs():
    spec = AccountSpec("id:very-secret-key", "user@example.org", "hunter22")
    backend = Backend([spec])
    [account] = backend.accounts()
    grant = backend.auth.grant(
        spec.auth_key,
        {"grant_type": "https://nl2go.com/jwt", "username": spec.username, "password": "hunter22"},
    )
    shown = " ".join(repr(x) for x in (spec, account, grant))
    for secret in ("very-secret-key", "hunter22", grant.access_token, grant.refresh_token):
        assert secret not in shown


def test_each_account_starts_with_its_own_default_list():
    backend = Backend(
        [AccountSpec("a:1", "a@example.org", "p"), AccountSpec("b:2", "b@example.org", "p")]
    )
    first, second = backend.accounts()
    assert first.default_list_id != second.default_list_id
    assert list(first.lists) == [first.default_list_id]


def test_two_accounts_cannot_share_an_auth_key():
    backend = Backend([AccountSpec("same:key", "a@example.org", "p")])
    with pytest.raises(ValueError, match="auth key"):
        backend.add_account(AccountSpec("same:key", "b@example.org", "q"))
    assert len(backend.accounts()) == 1


def test_the_clock_only_moves_forward():
    clock = Clock()
    before = clock.now()
    assert clock.advance(3600) >= before + 3600
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)


def test_default_account_has_the_demo_form_code_or_the_configured_one(monkeypatch):
    monkeypatch.delenv("N2G_MOCK_FORM_CODE", raising=False)
    assert AccountSpec.from_env().default_form_code == "demoform"
    client = create_app().test_client()
    assert client.get("/forms/generate/demoform").status_code == 200
    monkeypatch.setenv("N2G_MOCK_FORM_CODE", "custom12")
    client = create_app().test_client()
    assert client.get("/forms/generate/custom12").status_code == 200
    assert client.get("/forms/generate/demoform").status_code == 404
