"""The sync's ledger: every method round-trips, transactions hold together, a reopen keeps all."""

import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
from datetime import UTC, datetime

import pytest

from sync.client import Tokens
from sync.state import DeadLetter, State, StateError, SubscriptionRecord


@pytest.fixture
def path(tmp_path):
    return tmp_path / "state.db"


@pytest.fixture
def state(path):
    opened = State(path)
    yield opened
    opened.close()


def record(subscription_id="s1", newsletter_id="n1", **changes):
    values = {
        "subscription_id": subscription_id,
        "newsletter_id": newsletter_id,
        "contact_id": f"c-{subscription_id}",
        "email": f"{subscription_id}@example.org",
        "status": "active",
        "fields": {"first_name": "Ann", "attributes": {"plan": "pro", "vip": True}},
        **changes,
    }
    return SubscriptionRecord(**values)


TOKENS = Tokens("access-1", "refresh-secret-1", 1_700_000_000.5, "account-9")


class Boom(Exception):
    """Stands for anything that goes wrong in the middle of a transaction."""


def fail_in_transaction(state, work):
    """Run `work` inside a transaction, then fail before the transaction ends."""
    with state.transaction():
        work()
        raise Boom("after the work")


def tokens_tuple(tokens):
    return (tokens.access_token, tokens.refresh_token, tokens.expires_at, tokens.account_id)


# newsletters → lists


def test_an_unknown_newsletter_has_no_list_and_no_name(state):
    assert state.list_id("n1") is None
    assert state.newsletter_name("n1") is None
    assert state.newsletters() == {}


def test_remember_newsletter_round_trips(state):
    state.remember_newsletter("n1", "News", "list-1")
    state.remember_newsletter("n2", "Other", None)
    assert state.list_id("n1") == "list-1"
    assert state.newsletter_name("n1") == "News"
    assert state.list_id("n2") is None
    assert state.newsletters() == {"n1": ("list-1", "News"), "n2": (None, "Other")}
    assert state.mapped_list_ids() == {"list-1"}


def test_remember_newsletter_again_replaces_name_and_list(state):
    state.remember_newsletter("n1", "News", None)
    state.remember_newsletter("n1", "Daily News", "list-1")
    assert state.newsletters() == {"n1": ("list-1", "Daily News")}


def test_a_list_create_in_flight_is_remembered_until_the_list_id_is(state):
    assert state.list_creating("n1") is None
    state.mark_list_creating("n1", "News")
    assert state.list_creating("n1") == "News"
    state.remember_newsletter("n1", "News", None)
    assert state.list_creating("n1") == "News"
    state.remember_newsletter("n1", "News", "list-1")
    assert state.list_creating("n1") is None


def test_a_list_create_marker_belongs_to_one_newsletter(state):
    state.mark_list_creating("n1", "News")
    state.mark_list_creating("n2", "Other")
    state.remember_newsletter("n1", "News", "list-1")
    assert state.list_creating("n2") == "Other"


def test_forget_list_drops_list_id_contact_ids_and_attributes_of_that_newsletter(state):
    state.remember_newsletter("n1", "News", "list-1")
    state.remember_newsletter("n2", "Other", "list-2")
    state.remember_attributes("list-1", ["plan"])
    state.remember_attributes("list-2", ["plan"])
    state.save_subscription(record("s1", "n1"))
    state.save_subscription(record("s2", "n2"))
    state.forget_list("n1")
    assert state.newsletters() == {"n1": (None, "News"), "n2": ("list-2", "Other")}
    assert state.mapped_list_ids() == {"list-2"}
    assert state.subscription("s1") == record("s1", "n1", contact_id=None)
    assert state.subscription("s2") == record("s2", "n2")
    assert state.known_attributes("list-1") == set()
    assert state.known_attributes("list-2") == {"plan"}


def test_attributes_are_remembered_per_list(state):
    assert state.known_attributes("list-1") == set()
    state.remember_attributes("list-1", ["plan", "vip"])
    state.remember_attributes("list-1", iter(["plan", "score"]))
    state.remember_attributes("list-2", [])
    assert state.known_attributes("list-1") == {"plan", "vip", "score"}
    assert state.known_attributes("list-2") == set()


# subscriptions


def test_an_unknown_subscription_is_none(state):
    assert state.subscription("s1") is None
    assert state.subscriptions_of("n1") == []


def test_a_subscription_round_trips_with_frozen_fields(state):
    state.save_subscription(record())
    stored = state.subscription("s1")
    assert stored == record()
    with pytest.raises(TypeError):
        stored.fields["first_name"] = "Bob"
    with pytest.raises(TypeError):
        stored.fields["attributes"]["plan"] = "free"


def test_saving_a_subscription_again_replaces_it(state):
    state.save_subscription(record())
    changed = record(contact_id=None, email="new@example.org", status="cancelled", fields={})
    state.save_subscription(changed)
    assert state.subscription("s1") == changed


def test_fields_given_as_read_only_mappings_are_stored(state):
    state.save_subscription(record())
    state.save_subscription(state.subscription("s1"))
    assert state.subscription("s1") == record()


def test_a_subscription_status_is_active_or_cancelled(state):
    with pytest.raises(ValueError, match="status"):
        state.save_subscription(record(status="deleted"))
    assert state.subscription("s1") is None


def test_subscriptions_of_a_newsletter_sorted_by_id(state):
    for subscription_id, newsletter_id in [("s3", "n1"), ("s1", "n1"), ("s2", "n2")]:
        state.save_subscription(record(subscription_id, newsletter_id))
    assert state.subscriptions_of("n1") == [record("s1"), record("s3")]
    assert state.subscriptions_of("n2") == [record("s2", "n2")]


# event ledger and dead letters


def test_events_are_marked_processed_once(state):
    assert not state.is_processed("e1")
    state.mark_processed("e1")
    state.mark_processed("e1")
    assert state.is_processed("e1")
    assert not state.is_processed("e2")


def test_dead_letters_keep_everything_in_order_with_a_utc_time(state):
    before = datetime.now(UTC)
    state.add_dead_letter("bad e-mail", event_id="e1", line=3, payload='{"a": 1}')
    state.add_dead_letter("no such newsletter")
    after = datetime.now(UTC)
    first, second = state.dead_letters()
    assert first == DeadLetter("e1", 3, "bad e-mail", '{"a": 1}', first.at)
    assert second == DeadLetter(None, None, "no such newsletter", None, second.at)
    for letter in (first, second):
        at = datetime.fromisoformat(letter.at)
        assert at.utcoffset().total_seconds() == 0
        assert before <= at <= after


# tokens


def test_no_tokens_until_saved(state):
    assert state.load_tokens() is None


def test_tokens_round_trip_and_are_replaced(state):
    state.save_tokens(TOKENS)
    assert tokens_tuple(state.load_tokens()) == tokens_tuple(TOKENS)
    rotated = Tokens("access-2", "refresh-secret-2", 1_700_003_600.0, "account-9")
    state.save_tokens(rotated)
    assert tokens_tuple(state.load_tokens()) == tokens_tuple(rotated)


def test_tokens_are_loaded_by_a_new_state_on_the_same_file(path, state):
    state.save_tokens(TOKENS)
    state.close()
    with State(path) as reopened:
        assert tokens_tuple(reopened.load_tokens()) == tokens_tuple(TOKENS)


def test_a_rotated_refresh_token_survives_a_rolled_back_transaction(state):
    state.save_tokens(TOKENS)
    rotated = Tokens("access-2", "refresh-secret-2", 1.0, "account-9")

    def work():
        state.mark_processed("e1")
        with state.transaction():
            state.save_tokens(rotated)

    with pytest.raises(Boom):
        fail_in_transaction(state, work)
    assert not state.is_processed("e1")
    assert tokens_tuple(state.load_tokens()) == tokens_tuple(rotated)


def test_the_state_shows_its_path_and_never_a_token(path, state):
    state.save_tokens(TOKENS)
    assert repr(state) == f"State({str(path)!r})"
    assert "secret" not in str(state)


def test_the_state_file_is_readable_by_its_owner_only(path, state):
    assert stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0


# transactions


def test_a_transaction_commits_all_its_writes(path, state):
    with state.transaction():
        state.save_subscription(record())
        state.mark_processed("e1")
        assert state.subscription("s1") == record()
    with sqlite3.connect(path) as other:
        assert other.execute("SELECT count(*) FROM processed_events").fetchone() == (1,)


def test_an_exception_rolls_a_transaction_back_and_is_raised(state):
    state.mark_processed("e0")

    def work():
        state.mark_processed("e1")
        state.remember_newsletter("n1", "News", "list-1")

    with pytest.raises(Boom):
        fail_in_transaction(state, work)
    assert state.is_processed("e0")
    assert not state.is_processed("e1")
    assert state.newsletters() == {}


def test_nothing_of_a_transaction_is_visible_to_others_before_it_commits(path, state):
    with state.transaction():
        state.mark_processed("e1")
        with sqlite3.connect(path) as other:
            assert other.execute("SELECT count(*) FROM processed_events").fetchone() == (0,)


def test_an_inner_transaction_joins_the_outer_one(state):
    def work():
        with state.transaction():
            state.mark_processed("e1")
        assert state.is_processed("e1")

    with pytest.raises(Boom):
        fail_in_transaction(state, work)
    assert not state.is_processed("e1")


def test_an_exception_caught_inside_undoes_only_the_inner_block(state):
    with state.transaction():
        state.mark_processed("e1")
        with pytest.raises(Boom):
            fail_in_transaction(state, lambda: state.mark_processed("e2"))
        state.mark_processed("e3")
    assert [state.is_processed(e) for e in ("e1", "e2", "e3")] == [True, False, True]


def test_transactions_can_follow_each_other_and_nest_deeply(state):
    for n in range(3):
        with state.transaction(), state.transaction(), state.transaction():
            state.mark_processed(f"e{n}")
    assert all(state.is_processed(f"e{n}") for n in range(3))


def test_a_batch_of_subscriptions_and_their_events_is_saved_together_or_not_at_all(state):
    state.save_subscription(record("s0"))

    def work():
        for n in range(1, 4):
            state.save_subscription(record(f"s{n}"))
            state.mark_processed(f"e{n}")
        state.save_subscription(record("s0", status="cancelled"))

    with pytest.raises(Boom):
        fail_in_transaction(state, work)
    assert [state.subscription(f"s{n}") for n in range(1, 4)] == [None, None, None]
    assert not any(state.is_processed(f"e{n}") for n in range(1, 4))
    assert state.subscription("s0") == record("s0")


def test_a_process_killed_inside_a_transaction_leaves_nothing_of_it(path, state):
    state.mark_processed("e0")
    script = textwrap.dedent(
        f"""
        import os
        from sync.state import State, SubscriptionRecord
        state = State({str(path)!r})
        with state.transaction():
            state.save_subscription(SubscriptionRecord("s1", "n1", "c1", "a@b.org", "active", {{}}))
            state.mark_processed("e1")
            os._exit(9)
        """
    )
    killed = subprocess.run([sys.executable, "-c", script], check=False, timeout=60)
    assert killed.returncode == 9
    assert state.subscription("s1") is None
    assert not state.is_processed("e1")
    assert state.is_processed("e0")


# the file


def test_reopening_the_file_keeps_everything(path):
    with State(path) as state:
        state.remember_newsletter("n1", "News", "list-1")
        state.remember_newsletter("n2", "Other", None)
        state.mark_list_creating("n2", "Other")
        state.remember_attributes("list-1", ["plan"])
        state.save_subscription(record())
        state.mark_processed("e1")
        state.add_dead_letter("bad", event_id="e2", line=2, payload="{}")
        state.save_tokens(TOKENS)
        letters = state.dead_letters()
    with State(path) as state:
        assert state.newsletters() == {"n1": ("list-1", "News"), "n2": (None, "Other")}
        assert state.list_creating("n2") == "Other"
        assert state.known_attributes("list-1") == {"plan"}
        assert state.subscription("s1") == record()
        assert state.is_processed("e1")
        assert state.dead_letters() == letters
        assert tokens_tuple(state.load_tokens()) == tokens_tuple(TOKENS)


def test_the_file_is_in_wal_mode_with_a_schema_version(path, state):
    with sqlite3.connect(path) as other:
        assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert other.execute("SELECT version FROM schema_version").fetchall() == [(1,)]


def test_a_file_of_a_newer_schema_is_refused(path, state):
    state.close()
    with sqlite3.connect(path) as other:
        other.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(StateError, match="schema version 99"):
        State(path)


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    not_state = tmp_path / "notes.txt"
    not_state.write_text("these are not the tables you are looking for\n" * 100)
    with pytest.raises(StateError, match=r"notes\.txt"):
        State(not_state)


def test_an_in_memory_state_works(path):
    with State(":memory:") as state:
        state.mark_processed("e1")
        assert state.is_processed("e1")


def test_close_twice_is_harmless_and_a_closed_state_is_unusable(state):
    state.close()
    state.close()
    with pytest.raises(sqlite3.ProgrammingError):
        state.is_processed("e1")
