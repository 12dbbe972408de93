"""Checks on the Newsletter2Go side, through the public API only."""

from pytest_bdd import given, parsers, then

from tests.acceptance.journey import Journey


@then(parsers.parse('the account has exactly one address book "{name}"'))
def exactly_one_list(journey: Journey, name: str) -> None:
    found = journey.lists_named(name)
    assert len(found) == 1, f"expected one address book {name!r}, found {len(found)}"


@then(parsers.parse('the account has no address book "{name}"'))
def no_list(journey: Journey, name: str) -> None:
    assert journey.lists_named(name) == [], f"the address book {name!r} still exists"


@then(parsers.re(r'"(?P<newsletter>[^"]+)" has the contact "(?P<email>[^"]+)"$'))
def has_contact(journey: Journey, newsletter: str, email: str) -> None:
    journey.contact(email, newsletter)


@then(
    parsers.parse(
        '"{newsletter}" has the contact "{email}" named "{first}" "{last}", gender "{gender}"'
    )
)
def has_contact_with_details(
    journey: Journey, newsletter: str, email: str, first: str, last: str, gender: str
) -> None:
    contact = journey.contact(email, newsletter)
    shown = (contact.get("first_name"), contact.get("last_name"), contact.get("gender"))
    assert shown == (first, last, gender), f"{email} in {newsletter!r} is {shown}"


@then(parsers.parse('"{newsletter}" holds exactly the contacts "{emails}"'))
def holds_exactly(journey: Journey, newsletter: str, emails: str) -> None:
    expected = sorted(email.strip().lower() for email in emails.split(","))
    assert sorted(journey.contacts(newsletter)) == expected


@then(parsers.parse('the contact "{email}" in "{newsletter}" is subscribed'))
def is_subscribed(journey: Journey, email: str, newsletter: str) -> None:
    contact = journey.contact(email, newsletter)
    assert contact.get("is_unsubscribed") is False, f"{email} in {newsletter!r} is unsubscribed"


@then(parsers.parse('the contact "{email}" in "{newsletter}" is unsubscribed'))
def is_unsubscribed(journey: Journey, email: str, newsletter: str) -> None:
    contact = journey.contact(email, newsletter)
    assert contact.get("is_unsubscribed") is True, f"{email} in {newsletter!r} is still subscribed"


@then(parsers.re(r'"(?P<newsletter>[^"]+)" counts (?P<count>\d+) active contacts?$'))
def counts_active(journey: Journey, newsletter: str, count: str) -> None:
    active = journey.client.active_count(journey.list_id(newsletter))
    assert active == int(count), f"{newsletter!r} counts {active} active contacts"


@then(parsers.parse('the contact "{email}" in "{newsletter}" is the one "{before}" was'))
def same_contact(journey: Journey, email: str, newsletter: str, before: str) -> None:
    assert journey.contact(email, newsletter)["id"] == journey.remembered[before.lower()]


@then(parsers.parse('"{newsletter}" has every subscriber exactly once'))
def every_subscriber_once(journey: Journey, newsletter: str) -> None:
    expected = sorted(
        s.email.lower() for s in journey.portal.subscriptions.values() if s.newsletter == newsletter
    )
    list_id = journey.list_id(newsletter)
    emails = [c["email"].lower() for c in journey.client.iter_recipients(list_id, fields=["email"])]
    assert sorted(emails) == expected, f"{len(emails)} contacts for {len(expected)} subscribers"


@given(parsers.parse('"{email}" unsubscribes from "{newsletter}" through a mailing\'s link'))
def unsubscribes_through_mailing(journey: Journey, email: str, newsletter: str) -> None:
    """What a mailing's unsubscribe link does, done through the public API."""
    contact = journey.contact(email, newsletter)
    journey.client.update_recipient(
        journey.list_id(newsletter), contact["id"], {"is_unsubscribed": True}
    )


@then(parsers.parse("the run reports {count:d} failed subscription with an invalid e-mail address"))
def reports_invalid_email(journey: Journey, count: int) -> None:
    failures = [str(failure) for failure in journey.summary.failures]
    assert len(failures) == count, failures
    assert all("e-mail address" in failure for failure in failures), failures


@then(parsers.parse('the run reports that "{email}" unsubscribed in Newsletter2Go'))
def reports_unsubscribed(journey: Journey, email: str) -> None:
    notices = journey.summary.notices
    assert any(email in notice and "unsubscribed" in notice for notice in notices), notices
