"""Steps on the portal side and the sync: what happens in the portal, and the interface's runs."""

from pytest_bdd import given, parsers, when

from tests.acceptance.journey import Journey


@given(parsers.parse('the portal has a newsletter "{name}"'))
def portal_newsletter(journey: Journey, name: str) -> None:
    journey.portal.create_newsletter(name)


@given(parsers.parse('the portal has a newsletter "{name}" with {count:d} subscribers'))
def portal_newsletter_with_subscribers(journey: Journey, name: str, count: int) -> None:
    journey.portal.create_newsletter(name)
    for number in range(count):
        journey.portal.subscribe(f"subscriber{number:03}@example.org", name)


@given(
    parsers.parse('"{email}" subscribes to "{newsletter}" as "{first}" "{last}", gender "{gender}"')
)
@when(
    parsers.parse('"{email}" subscribes to "{newsletter}" as "{first}" "{last}", gender "{gender}"')
)
def subscribes_with_details(
    journey: Journey, email: str, newsletter: str, first: str, last: str, gender: str
) -> None:
    journey.portal.subscribe(email, newsletter, first_name=first, last_name=last, gender=gender)


@given(parsers.re(r'"(?P<email>[^"]+)" subscribes to "(?P<newsletter>[^"]+)"$'))
@when(parsers.re(r'"(?P<email>[^"]+)" subscribes to "(?P<newsletter>[^"]+)"$'))
def subscribes(journey: Journey, email: str, newsletter: str) -> None:
    journey.portal.subscribe(email, newsletter)


@given(parsers.parse('"{email}" is subscribed to "{newsletter}" in both systems'))
def subscribed_in_both(journey: Journey, email: str, newsletter: str) -> None:
    journey.portal.subscribe(email, newsletter)
    summary = journey.sync()
    assert summary.ok, summary.failures
    journey.remembered[email.lower()] = journey.contact(email, newsletter)["id"]


@given(parsers.parse('"{email}" cancels "{newsletter}" in the portal'))
@when(parsers.parse('"{email}" cancels "{newsletter}" in the portal'))
def cancels(journey: Journey, email: str, newsletter: str) -> None:
    journey.portal.cancel(email, newsletter)


@when(
    parsers.parse(
        '"{email}" changes the e-mail address to "{new}" for "{newsletter}" in the portal'
    )
)
def changes_email(journey: Journey, email: str, new: str, newsletter: str) -> None:
    journey.portal.change(email, newsletter, email=new)


@when(parsers.parse('"{email}" changes the last name to "{last}" for "{newsletter}" in the portal'))
def changes_last_name(journey: Journey, email: str, last: str, newsletter: str) -> None:
    journey.portal.change(email, newsletter, last_name=last)


@when(parsers.parse('the newsletter "{old}" is renamed to "{new}" in the portal'))
def renamed(journey: Journey, old: str, new: str) -> None:
    journey.portal.rename_newsletter(old, new)


@given("the interface has synchronised")
def has_synchronised(journey: Journey) -> None:
    summary = journey.sync()
    assert summary.ok, summary.failures


@when("the interface synchronises")
def synchronises(journey: Journey) -> None:
    journey.sync()


@when(parsers.parse("the interface synchronises in batches of {size:d}"))
def synchronises_in_batches(journey: Journey, size: int) -> None:
    journey.sync(batch_size=size, progress=journey.progress_hook)


@when("the interface synchronises everything again")
def synchronises_again(journey: Journey) -> None:
    journey.sync_everything_again()


@when("the interface reconciles the account with the portal")
def reconciles(journey: Journey) -> None:
    journey.reconcile()
