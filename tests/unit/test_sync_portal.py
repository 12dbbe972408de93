"""The portal's formats: every rule of events and snapshots, and what survives a bad line."""

import dataclasses
import json

import pytest

from sync.portal import (
    InputError,
    NewsletterCreated,
    NewsletterRenamed,
    Snapshot,
    SnapshotNewsletter,
    SnapshotSubscription,
    SubscriptionCancelled,
    SubscriptionCreated,
    SubscriptionUpdated,
    event_to_dict,
    read_events,
    read_snapshot,
)

AT = "2024-05-01T10:00:00Z"
BASE = {
    "newsletter.created": {"newsletter_id": "n1", "name": "News"},
    "newsletter.renamed": {"newsletter_id": "n1", "name": "Daily News"},
    "subscription.created": {"subscription_id": "s1", "newsletter_id": "n1", "email": "a@b.org"},
    "subscription.updated": {"subscription_id": "s1", "first_name": "Ann"},
    "subscription.cancelled": {"subscription_id": "s1"},
}


def line(kind="subscription.created", event_id="e1", **fields):
    """One event line; a field given as ... is left out."""
    data = {"event_id": event_id, "event": kind, "at": AT, **BASE[kind], **fields}
    return json.dumps({key: value for key, value in data.items() if value is not ...})


def one(text):
    """The single event of a one-line input (and no errors)."""
    events, errors = read_events([text])
    assert errors == []
    [event] = events
    return event


def refused(text):
    """The single error of a one-line input (and no events)."""
    events, errors = read_events([text])
    assert events == []
    [error] = errors
    return error


# valid events


def test_every_event_type_is_read_into_its_class():
    events, errors = read_events([line(kind, f"e{i}") + "\n" for i, kind in enumerate(BASE)])
    assert errors == []
    assert events == [
        NewsletterCreated("e0", AT, "n1", "News"),
        NewsletterRenamed("e1", AT, "n1", "Daily News"),
        SubscriptionCreated("e2", AT, "s1", "n1", "a@b.org"),
        SubscriptionUpdated("e3", AT, "s1", {"first_name": "Ann"}),
        SubscriptionCancelled("e4", AT, "s1"),
    ]


def test_a_creation_carries_all_optional_fields():
    event = one(
        line(
            first_name="Ann",
            last_name="Lee",
            gender="f",
            attributes={"plan": "pro", "score": 1.5, "vip": True, "note": None, "n": 0},
        )
    )
    assert (event.first_name, event.last_name, event.gender) == ("Ann", "Lee", "f")
    assert dict(event.attributes) == {
        "plan": "pro",
        "score": 1.5,
        "vip": True,
        "note": None,
        "n": 0,
    }


def test_null_optional_fields_of_a_creation_mean_not_given():
    event = one(line(first_name=None, last_name=None, gender=None))
    assert (event.first_name, event.last_name, event.gender) == (None, None, None)
    assert dict(event.attributes) == {}


def test_events_are_immutable():
    event = one(line(attributes={"plan": "pro"}))
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.email = "x@y.org"
    with pytest.raises(TypeError):
        event.attributes["plan"] = "free"
    update = one(line("subscription.updated", attributes={"plan": "pro"}))
    with pytest.raises(TypeError):
        update.changes["email"] = "x@y.org"
    with pytest.raises(TypeError):
        update.changes["attributes"]["plan"] = "free"


# ids


def test_integer_ids_become_strings():
    event = one(line(event_id=17, subscription_id=42, newsletter_id=7))
    assert (event.event_id, event.subscription_id, event.newsletter_id) == ("17", "42", "7")


@pytest.mark.parametrize("field", ["event_id", "subscription_id", "newsletter_id"])
@pytest.mark.parametrize("value", ["", "   ", 1.5, True, None, ["s1"], {"id": 1}])
def test_ids_must_be_non_empty_strings_or_integers(field, value):
    error = refused(line(**{field: value}))
    assert (error.line, error.field) == (1, field)
    assert "non-empty string" in error.message


@pytest.mark.parametrize("field", ["event_id", "event", "at", "subscription_id", "newsletter_id"])
def test_missing_required_fields_are_named(field):
    error = refused(line(**{field: ...}))
    assert str(error) == f"line 1, field '{field}': missing"


# newsletter names


@pytest.mark.parametrize("kind", ["newsletter.created", "newsletter.renamed"])
def test_a_name_of_64_characters_is_kept_whole(kind):
    assert one(line(kind, name="x" * 64)).name == "x" * 64


@pytest.mark.parametrize("kind", ["newsletter.created", "newsletter.renamed"])
def test_a_name_longer_than_the_list_name_limit_is_refused_not_cut(kind):
    error = refused(line(kind, name="x" * 65))
    assert str(error) == "line 1, field 'name': must be at most 64 characters (has 65)"


@pytest.mark.parametrize("value", ["", "  ", None, 5])
def test_a_name_must_be_a_non_empty_string(value):
    error = refused(line("newsletter.created", name=value))
    assert error.field == "name"


def test_a_newsletter_event_needs_a_name():
    assert refused(line("newsletter.renamed", name=...)).field == "name"


# e-mail


def test_an_email_is_stripped_and_otherwise_kept_as_written():
    assert one(line(email="  Ann.Lee@Example.ORG \t")).email == "Ann.Lee@Example.ORG"


def test_an_email_of_64_characters_is_accepted():
    address = "a" * 52 + "@example.org"
    assert len(address) == 64
    assert one(line(email=address)).email == address


def test_an_email_longer_than_64_characters_is_refused():
    error = refused(line(email="a" * 53 + "@example.org"))
    assert str(error) == "line 1, field 'email': must be at most 64 characters (has 65)"


@pytest.mark.parametrize("value", ["ann", "ann@", "@example.org", "a b@example.org", "a@b"])
def test_an_email_must_be_an_address(value):
    error = refused(line(email=value))
    assert error.field == "email"
    assert error.message.startswith("not an e-mail address")


@pytest.mark.parametrize("value", ["", "   ", None, 12])
def test_an_email_must_be_a_non_empty_string(value):
    assert refused(line(email=value)).field == "email"


def test_test_domains_are_allowed_and_no_dns_is_asked():
    assert one(line(email="qa@journey.test")).email == "qa@journey.test"


# names and gender


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_name_parts_may_have_255_characters_and_no_more(field):
    assert getattr(one(line(**{field: "x" * 255})), field) == "x" * 255
    error = refused(line(**{field: "x" * 256}))
    assert str(error) == f"line 1, field '{field}': must be at most 255 characters (has 256)"


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_name_parts_must_be_strings(field):
    assert refused(line(**{field: 3})).message == "must be a string, not a number"


@pytest.mark.parametrize("value", ["m", "f"])
def test_gender_m_or_f(value):
    assert one(line(gender=value)).gender == value


@pytest.mark.parametrize("value", ["x", "M", "male", "", 1])
def test_other_genders_are_refused(value):
    assert refused(line(gender=value)).field == "gender"


# attributes


@pytest.mark.parametrize("key", ["plan", "Plan_2", "_", "0"])
def test_attribute_names_of_letters_digits_and_underscores(key):
    assert dict(one(line(attributes={key: "v"})).attributes) == {key: "v"}


@pytest.mark.parametrize("key", ["", "a-b", "a b", "näme", "a.b"])
def test_other_attribute_names_are_refused(key):
    error = refused(line(attributes={key: "v"}))
    assert error.field == "attributes"
    assert repr(key) in error.message


@pytest.mark.parametrize("key", ["email", "is_unsubscribed", "Email", "list_id", "gender"])
def test_attributes_may_not_overwrite_the_contacts_own_fields(key):
    error = refused(line(attributes={key: True}))
    assert error.message == f"attribute name {key!r} is a field of the contact itself"


def test_attribute_names_longer_than_64_characters_are_refused():
    assert refused(line(attributes={"a" * 65: 1})).field == "attributes"


@pytest.mark.parametrize("value", [[1], {"a": 1}])
def test_attribute_values_must_be_scalars(value):
    error = refused(line(attributes={"plan": value}))
    assert error.field == "attributes.plan"


@pytest.mark.parametrize("value", [[], "plan", 1, None])
def test_attributes_must_be_an_object(value):
    assert refused(line(attributes=value)).field == "attributes"


# at


@pytest.mark.parametrize(
    "value", [AT, "2024-05-01T10:00:00+02:00", "2024-05-01T10:00:00.123456", "2024-05-01"]
)
def test_at_is_an_iso_8601_time_kept_as_written(value):
    assert one(line(at=value)).at == value


@pytest.mark.parametrize("value", ["yesterday", "2024-13-01", "", 1714550400, None])
def test_at_must_be_an_iso_8601_time(value):
    assert refused(line(at=value)).field == "at"


# the line as a whole


def test_unknown_fields_are_refused():
    assert str(refused(line(colour="red"))) == "line 1, field 'colour': unknown field"


def test_fields_of_another_event_type_are_unknown():
    assert refused(line("subscription.cancelled", email="a@b.org")).field == "email"


@pytest.mark.parametrize("text", ["[1, 2]", '"event"', "42", "null"])
def test_a_line_must_be_a_json_object(text):
    error = refused(text)
    assert error.field is None
    assert str(error).startswith("line 1: must be a JSON object")


@pytest.mark.parametrize("text", ["{", "{'event_id': 'e1'}", '{"a": 1} x'])
def test_a_line_must_be_json(text):
    assert str(refused(text)).startswith("line 1: not valid JSON")


def test_nan_is_not_json():
    assert "NaN" in refused(line(attributes={"score": float("nan")})).message


def test_a_key_given_twice_is_refused_not_silently_the_last():
    text = line()[:-1] + ', "email": "b@c.org"}'
    assert str(refused(text)) == "line 1, field 'email': given twice in one object"


@pytest.mark.parametrize("kind", ["subscription.deleted", "", None, ["newsletter.created"], 1])
def test_an_unknown_event_type_is_refused(kind):
    error = refused(line("subscription.created", event=kind))
    assert error.field == "event"
    assert "unknown event type" in error.message


def test_a_repeated_event_id_refuses_the_later_line():
    events, errors = read_events(
        [line(event_id="e1"), line("subscription.cancelled", event_id="e1")]
    )
    assert [type(event) for event in events] == [SubscriptionCreated]
    assert [str(error) for error in errors] == [
        "line 2, field 'event_id': repeats the event_id of line 1"
    ]


def test_an_event_id_of_a_bad_line_counts_as_seen():
    events, errors = read_events([line(email="bad"), line(event_id="e1")])
    assert events == []
    assert [(error.line, error.field) for error in errors] == [(1, "email"), (2, "event_id")]


# subscription.updated


def test_an_update_holds_only_the_given_fields():
    event = one(
        line(
            "subscription.updated",
            first_name=...,
            email=" new@b.org ",
            gender="m",
            attributes={"plan": "pro"},
        )
    )
    assert dict(event.changes) == {
        "email": "new@b.org",
        "gender": "m",
        "attributes": {"plan": "pro"},
    }


def test_null_in_an_update_clears_the_field():
    event = one(line("subscription.updated", first_name=None, last_name=None, gender=None))
    assert dict(event.changes) == {"first_name": None, "last_name": None, "gender": None}


def test_an_update_must_change_something():
    error = refused(line("subscription.updated", first_name=...))
    assert error.field is None
    assert error.message.startswith("changes no field")


def test_an_update_may_not_move_a_subscription_to_another_newsletter():
    error = refused(line("subscription.updated", newsletter_id="n2"))
    assert error.field == "newsletter_id"
    assert "subscription.cancelled" in error.message


@pytest.mark.parametrize(
    ("field", "value"), [("email", None), ("email", "bad"), ("attributes", None), ("gender", "x")]
)
def test_the_changes_of_an_update_are_checked_like_a_creation(field, value):
    assert refused(line("subscription.updated", **{field: value})).field == field


# a whole file


def test_a_file_mixing_good_and_bad_lines():
    lines = [
        line("newsletter.created", "e1") + "\n",
        "\n",
        line(event_id="e2", email="not-an-address") + "\n",
        line(event_id="e3") + "\r\n",
        "   \n",
        "{broken\n",
        line("subscription.updated", "e4", colour="red") + "\n",
        line("subscription.cancelled", "e5"),
    ]
    events, errors = read_events(lines)
    assert [event.event_id for event in events] == ["e1", "e3", "e5"]
    assert [(error.line, error.field) for error in errors] == [
        (3, "email"),
        (6, None),
        (7, "colour"),
    ]
    assert errors[0].raw == lines[2].rstrip("\n")
    assert errors[1].raw == "{broken"


def test_a_byte_order_mark_before_the_first_line_is_ignored():
    assert one("\ufeff" + line()).event_id == "e1"


def test_an_empty_input_has_no_events_and_no_errors():
    assert read_events([]) == ([], [])
    assert read_events(["", "\n"]) == ([], [])


def test_an_input_error_reads_as_line_and_field():
    assert str(InputError(7, "email", "not an e-mail address", None)) == (
        "line 7, field 'email': not an e-mail address"
    )
    assert str(InputError(None, "subscriptions[3].email", "missing", None)) == (
        "field 'subscriptions[3].email': missing"
    )
    assert str(InputError(2, None, "not valid JSON", None)) == "line 2: not valid JSON"
    assert str(InputError(None, None, "not a JSON object", None)) == "not a JSON object"


@pytest.mark.parametrize(
    "text",
    [
        line("newsletter.created"),
        line("newsletter.renamed"),
        line(first_name="Ann", gender="f", attributes={"plan": "pro", "vip": False}),
        line("subscription.updated", last_name=None, attributes={"plan": None}),
        line("subscription.cancelled"),
    ],
)
def test_an_event_as_a_dict_reads_back_equal(text):
    event = one(text)
    as_dict = event_to_dict(event)
    assert json.loads(json.dumps(as_dict)) == as_dict
    assert one(json.dumps(as_dict)) == event


# snapshots


def snapshot(newsletters=None, subscriptions=None, **extra):
    document = {
        "newsletters": newsletters if newsletters is not None else [NEWSLETTER],
        "subscriptions": subscriptions if subscriptions is not None else [SUBSCRIPTION],
        **extra,
    }
    return read_snapshot(json.dumps(document))


NEWSLETTER = {"newsletter_id": "n1", "name": "News"}
SUBSCRIPTION = {
    "subscription_id": "s1",
    "newsletter_id": "n1",
    "email": "a@b.org",
    "status": "active",
}


def sub(**fields):
    return {key: value for key, value in {**SUBSCRIPTION, **fields}.items() if value is not ...}


def test_a_valid_snapshot():
    result, errors = snapshot(
        [NEWSLETTER, {"newsletter_id": 2, "name": "Other"}],
        [
            sub(first_name="Ann", gender=None, attributes={"plan": "pro"}),
            sub(subscription_id="s2", newsletter_id="2", email=" B@c.org ", status="cancelled"),
        ],
    )
    assert errors == []
    assert result == Snapshot(
        (SnapshotNewsletter("n1", "News"), SnapshotNewsletter("2", "Other")),
        (
            SnapshotSubscription(
                "s1", "n1", "a@b.org", "active", "Ann", None, None, {"plan": "pro"}
            ),
            SnapshotSubscription("s2", "2", "B@c.org", "cancelled"),
        ),
    )
    with pytest.raises(TypeError):
        result.subscriptions[0].attributes["plan"] = "free"


def test_snapshot_errors_name_the_field_path_and_keep_the_rest():
    subscriptions = [sub(subscription_id=f"s{i}", email=f"u{i}@b.org") for i in range(5)]
    subscriptions[3]["email"] = "nobody"
    result, errors = snapshot(subscriptions=subscriptions)
    assert [s.subscription_id for s in result.subscriptions] == ["s0", "s1", "s2", "s4"]
    [error] = errors
    assert str(error).startswith("field 'subscriptions[3].email': not an e-mail address")
    assert json.loads(error.raw) == subscriptions[3]


@pytest.mark.parametrize(
    ("entry", "field", "message"),
    [
        (sub(status="gone"), "subscriptions[0].status", "must be 'active' or 'cancelled'"),
        (sub(status=...), "subscriptions[0].status", "missing"),
        (sub(email=...), "subscriptions[0].email", "missing"),
        (sub(colour="red"), "subscriptions[0].colour", "unknown field"),
        (sub(attributes={"plan": [1]}), "subscriptions[0].attributes.plan", "must be a string"),
        (sub(gender="x"), "subscriptions[0].gender", "must be 'm', 'f' or null"),
        (sub(first_name="x" * 256), "subscriptions[0].first_name", "must be at most 255"),
        ("s1", "subscriptions[0]", "must be a JSON object"),
    ],
)
def test_snapshot_subscription_rules(entry, field, message):
    result, errors = snapshot(subscriptions=[entry])
    assert result.subscriptions == ()
    [error] = errors
    assert (error.line, error.field) == (None, field)
    assert error.message.startswith(message)


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"newsletter_id": "n2", "name": "x" * 65}, "newsletters[1].name"),
        ({"newsletter_id": "n2"}, "newsletters[1].name"),
        ({"newsletter_id": "", "name": "B"}, "newsletters[1].newsletter_id"),
        ({"newsletter_id": "n2", "name": "B", "status": "active"}, "newsletters[1].status"),
        ({"newsletter_id": "n1", "name": "Again"}, "newsletters[1].newsletter_id"),
    ],
)
def test_snapshot_newsletter_rules(entry, field):
    result, errors = snapshot([NEWSLETTER, entry])
    assert result.newsletters == (SnapshotNewsletter("n1", "News"),)
    assert [error.field for error in errors] == [field]


def test_a_subscription_of_an_unknown_newsletter_is_an_error():
    result, errors = snapshot(subscriptions=[sub(), sub(subscription_id="s2", newsletter_id="n9")])
    assert [s.subscription_id for s in result.subscriptions] == ["s1"]
    assert [str(error) for error in errors] == [
        "field 'subscriptions[1].newsletter_id': newsletter 'n9' is unknown"
    ]


def test_a_subscription_of_a_refused_newsletter_says_so():
    _, errors = snapshot(
        [NEWSLETTER, {"newsletter_id": "n2", "name": ""}],
        [sub(newsletter_id="n2")],
    )
    assert [str(error) for error in errors][1] == (
        "field 'subscriptions[0].newsletter_id': newsletter 'n2' is refused (see its error)"
    )


def test_a_repeated_subscription_id_refuses_the_later_entry():
    result, errors = snapshot(subscriptions=[sub(), sub(email="other@b.org")])
    assert [s.email for s in result.subscriptions] == ["a@b.org"]
    assert [error.field for error in errors] == ["subscriptions[1].subscription_id"]


def test_a_key_given_twice_in_an_entry_refuses_only_that_entry():
    text = json.dumps({"newsletters": [NEWSLETTER], "subscriptions": [SUBSCRIPTION, "X"]})
    text = text.replace('"X"', '{"subscription_id": "s2", "subscription_id": "s3"}')
    result, errors = read_snapshot(text)
    assert len(result.subscriptions) == 1
    assert [error.field for error in errors] == ["subscriptions[1].subscription_id"]


def test_snapshot_document_level_errors():
    assert [e.field for e in snapshot(colour="red")[1]] == ["colour"]
    assert [str(e) for e in read_snapshot('{"newsletters": []}')[1]] == [
        "field 'subscriptions': missing"
    ]
    assert [str(e) for e in read_snapshot('{"newsletters": {}, "subscriptions": []}')[1]] == [
        "field 'newsletters': must be a JSON array"
    ]


def test_a_snapshot_that_is_not_json_names_the_line():
    result, errors = read_snapshot('{\n  "newsletters": [\n  oops\n]}')
    assert result == Snapshot((), ())
    [error] = errors
    assert error.line == 3
    assert str(error).startswith("line 3: not valid JSON")


@pytest.mark.parametrize(
    ("text", "kind"), [("[]", "an array"), ('"x"', "a string"), ("null", "null")]
)
def test_a_snapshot_must_be_a_json_object(text, kind):
    result, errors = read_snapshot(text)
    assert result == Snapshot((), ())
    assert [error.message for error in errors] == [f"must be a JSON object, not {kind}"]
