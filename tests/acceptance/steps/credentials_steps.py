"""The customer's duties of cooperation: the checklist with good and wrong credentials."""

from pytest_bdd import given, parsers, then, when

from sync.checklist import check_credentials
from tests.acceptance.journey import Journey


def _wrong(value: str) -> str:
    """The same shape of value, but not the right one."""
    return value[:-1] + ("x" if value[-1:] != "x" else "y")


@given("the customer's credentials", target_fixture="checked_client")
def customers_credentials(journey: Journey):
    return journey.client


@given("the customer's credentials with a wrong auth key", target_fixture="checked_client")
def wrong_auth_key(journey: Journey):
    credentials = journey.target.credentials
    return journey.client_for(_wrong(credentials.auth_key), credentials.password)


@given("the customer's credentials with a wrong password", target_fixture="checked_client")
def wrong_password(journey: Journey):
    credentials = journey.target.credentials
    return journey.client_for(credentials.auth_key, _wrong(credentials.password))


@given("the credentials of an account without developer mode", target_fixture="checked_client")
def account_without_developer_mode(journey: Journey):
    tag = journey.portal.tag.lower()
    auth_key, username, password = f"{tag}_id:{tag}_secret", f"{tag}@example.org", f"{tag}-pass"
    journey.target.control.create_account(auth_key, username, password, is_developer_mode=False)
    return journey.client_for(auth_key, password, username=username)


@when("the interface checks the credentials")
def checks(journey: Journey, checked_client) -> None:
    journey.checks = check_credentials(checked_client.settings, checked_client)


def _check(journey: Journey, name: str):
    found = [check for check in journey.checks if check.name == name]
    assert found, (
        f"no check {name!r} ran; the checklist stopped at {[c.line() for c in journey.checks]}"
    )
    return found[0]


@then("every check passes")
def every_check_passes(journey: Journey) -> None:
    assert len(journey.checks) == 4, [check.line() for check in journey.checks]
    failed = [check.line() for check in journey.checks if not check.ok]
    assert failed == [], failed


@then(parsers.parse('the check "{name}" passes'))
def check_passes(journey: Journey, name: str) -> None:
    check = _check(journey, name)
    assert check.ok, check.line()


@then(parsers.parse('the check "{name}" fails and names "{hint}"'))
def check_fails(journey: Journey, name: str, hint: str) -> None:
    check = _check(journey, name)
    assert not check.ok, check.line()
    assert hint in check.detail, check.line()
