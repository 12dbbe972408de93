"""Steps that need the mock's control API (scenarios tagged @mock_only): forms, faults, clock."""

import requests
from pytest_bdd import given, parsers, then, when

from tests.acceptance.journey import Journey

TIMEOUT = 10
TROUBLE = {
    "500": {"status": 500},
    "503": {"status": 503},
    "429 with Retry-After": {"status": 429, "retry_after": 1},
    "a dropped connection": {"fault": "connection_reset"},
    "an answer lost on the way": {"fault": "empty_response", "when": "after"},
}


def _unique(journey: Journey, email: str) -> str:
    """The form's list is shared by every run on the account: make the address run-unique."""
    local, _, domain = email.partition("@")
    return f"{local}+{journey.portal.tag.lower()}@{domain}"


@given("the account's subscription form", target_fixture="form")
def subscription_form(journey: Journey) -> dict:
    username = journey.target.credentials.username
    [account] = [a for a in journey.target.control.accounts() if a["username"] == username]
    return {"code": account["form_codes"][0], "list_id": account["default_list_id"]}


def _submit(journey: Journey, form: dict, email: str) -> dict:
    response = requests.post(
        f"{journey.target.credentials.base_url}/forms/submit/{form['code']}",
        json={"recipient": {"email": _unique(journey, email)}},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    return response.json()["value"][0]["result"]


def _confirmations(journey: Journey, email: str) -> list[dict]:
    return journey.target.control.outbox(to=_unique(journey, email), kind="doi_confirmation")


def _in_form_list(journey: Journey, form: dict, email: str) -> dict | None:
    found = journey.client.find_recipient(form["list_id"], _unique(journey, email))
    if found is not None:
        journey.foreign_contacts.append((form["list_id"], found["id"]))
    return found


@when(parsers.parse('"{email}" subscribes through the form'), target_fixture="form_result")
def subscribes_through_form(journey: Journey, form: dict, email: str) -> dict:
    return _submit(journey, form, email)


@given(parsers.parse('"{email}" subscribed through the form and confirmed'))
def subscribed_and_confirmed(journey: Journey, form: dict, email: str) -> None:
    _submit(journey, form, email)
    follows_link(journey, form, email)


@then(parsers.parse('the form\'s address book does not have the contact "{email}"'))
def not_in_form_list(journey: Journey, form: dict, email: str) -> None:
    assert _in_form_list(journey, form, email) is None, f"{email} is in the list before confirming"


@then(parsers.parse('"{email}" received a confirmation e-mail with a link'))
def received_confirmation(journey: Journey, email: str) -> None:
    emails = _confirmations(journey, email)
    assert len(emails) == 1, f"{len(emails)} confirmation e-mails for {email}"
    assert emails[0]["link"] in emails[0]["body"]


@then(parsers.parse('"{email}" received {count:d} confirmation e-mail'))
def received_count(journey: Journey, email: str, count: int) -> None:
    assert len(_confirmations(journey, email)) == count


@when(parsers.parse('"{email}" follows the link in the confirmation e-mail'))
def follows_link(journey: Journey, form: dict, email: str) -> None:
    [confirmation] = _confirmations(journey, email)
    assert requests.get(confirmation["link"], timeout=TIMEOUT).status_code == 200


@then(parsers.parse('the form\'s address book has the contact "{email}", subscribed'))
def in_form_list(journey: Journey, form: dict, email: str) -> None:
    found = _in_form_list(journey, form, email)
    assert found is not None, f"{email} did not arrive after confirming"
    contact = journey.client.get_recipient(form["list_id"], found["id"])
    assert contact["is_unsubscribed"] is False


@then(parsers.parse('the form reports "{email}" as already subscribed'))
def reported_duplicate(form_result: dict, journey: Journey, email: str) -> None:
    assert form_result["error"]["recipients"]["duplicate"] == [{"email": _unique(journey, email)}]
    assert form_result["error"]["failed"] == 1


@given(
    parsers.parse(
        'the service answers "{trouble}" to the next {times:d} requests that add contacts'
    )
)
def service_trouble(journey: Journey, trouble: str, times: int) -> None:
    rule = {"method": "POST", "path": "/recipients", "times": times, **TROUBLE[trouble]}
    journey.target.control.add_fault(**rule)


@given("the access token expires after the first batch")
def token_expires_mid_run(journey: Journey) -> None:
    state = {"events": 0, "moved": False}

    def after_event(done: int) -> None:
        state["events"] += done
        if state["events"] > 10 and not state["moved"]:  # the first batch of 10 went out
            state["moved"] = True
            journey.target.control.advance_clock(7201)

    journey.progress_hook = after_event
    journey.token_requests_before = len(journey.target.control.requests(path_prefix="/oauth"))


@then("the interface logged in again during the run")
def logged_in_again(journey: Journey) -> None:
    requests_now = journey.target.control.requests(path_prefix="/oauth")
    assert len(requests_now) > journey.token_requests_before, "no new token request"
