"""`n2g-sync` as a customer runs it: a subprocess against the mock over real HTTP."""

import json
import signal
import subprocess
import sys
import time

import pytest

from tests.sync_support import Account, event, lines, newsletter, subscribe

TIMEOUT = 120


def run_sync(credentials, tmp_path, *args, stdin=None, env_overrides=None):
    env = {**credentials.as_env(), "PYTHONUNBUFFERED": "1", **(env_overrides or {})}
    command = [sys.executable, "-m", "sync.cli", "--state", str(tmp_path / "sync.sqlite"), *args]
    return subprocess.run(
        command, input=stdin, capture_output=True, text=True, env=env, timeout=TIMEOUT, check=False
    )


def write_events(tmp_path, *events, name="events.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(lines(*events)) + "\n")
    return path


def writes(n2g_control):
    return [
        r
        for r in n2g_control.requests()
        if r["method"] in ("POST", "PATCH", "DELETE") and r["path"] != "/oauth/v2/token"
    ]


def assert_no_secret(credentials, *texts):
    secrets = [credentials.password, credentials.auth_key, credentials.auth_key.partition(":")[2]]
    for text in texts:
        for secret in secrets:
            assert secret not in text


def test_push_each_event_type_and_replay_sends_no_write(n2g_credentials, n2g_control, tmp_path):
    path = write_events(
        tmp_path,
        newsletter("n1", "Weekly"),
        newsletter("n2", "Offers"),
        event("newsletter.renamed", newsletter_id="n2", name="Special offers"),
        subscribe("s1", "n1", "anna@example.org", first_name="Anna", gender="f"),
        subscribe("s2", "n2", "anna@example.org"),
        event("subscription.updated", subscription_id="s1", email="anna.new@example.org"),
        event("subscription.cancelled", subscription_id="s2"),
    )
    done = run_sync(n2g_credentials, tmp_path, "-v", "push", str(path))
    assert done.returncode == 0, done.stderr
    assert "lists created: 2" in done.stdout
    assert "lists renamed: 1" in done.stdout
    account = Account(n2g_credentials)
    lists = account.lists()
    assert set(lists) == {"Default", "Weekly", "Special offers"}
    weekly = account.contacts(lists["Weekly"])
    assert list(weekly) == ["anna.new@example.org"]
    assert account.contacts(lists["Special offers"])["anna@example.org"]["is_unsubscribed"] is True
    assert_no_secret(n2g_credentials, done.stdout, done.stderr)

    n2g_control.clear_requests()
    again = run_sync(n2g_credentials, tmp_path, "--json", "push", str(path))
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert summary["events_skipped"] == 7
    assert summary["ok"] is True
    assert writes(n2g_control) == []


def test_stdin_and_bad_lines(n2g_credentials, tmp_path):
    good = lines(newsletter("n1", "From stdin"), subscribe("s1", "n1", "ok@example.org"))
    bad = [
        '{"event": "subscription.created"',
        '{"event_id": "x", "event": "nope", "at": "2026-01-01"}',
    ]
    done = run_sync(
        n2g_credentials, tmp_path, "push", "-", stdin="\n".join([good[0], bad[0], good[1], bad[1]])
    )
    assert done.returncode == 1
    assert "line 2" in done.stdout
    assert "line 4" in done.stdout
    account = Account(n2g_credentials)
    assert "ok@example.org" in account.contacts(account.lists()["From stdin"])


def snapshot_file(tmp_path, subscriptions, newsletters=(("n1", "Snap"),)):
    path = tmp_path / "snapshot.json"
    path.write_text(
        json.dumps(
            {
                "newsletters": [{"newsletter_id": n, "name": name} for n, name in newsletters],
                "subscriptions": subscriptions,
            }
        )
    )
    return path


def sub(subscription_id, email, status="active", **fields):
    return {
        "subscription_id": subscription_id,
        "newsletter_id": "n1",
        "email": email,
        "status": status,
        **fields,
    }


def test_reconcile_dry_run_writes_nothing_then_reconcile_converges(
    n2g_credentials, n2g_control, tmp_path
):
    run_sync(
        n2g_credentials,
        tmp_path,
        "push",
        str(
            write_events(
                tmp_path,
                newsletter("n1", "Snap"),
                subscribe("s1", "n1", "keep@example.org"),
                subscribe("s2", "n1", "drop@example.org"),
                subscribe("s3", "n1", "optout@example.org"),
            )
        ),
    )
    account = Account(n2g_credentials)
    list_id = account.lists()["Snap"]
    optout = account.contacts(list_id)["optout@example.org"]["id"]
    account.patch(f"/lists/{list_id}/recipients/{optout}", {"is_unsubscribed": True})
    snapshot = snapshot_file(
        tmp_path,
        [
            sub("s1", "keep@example.org", first_name="Kept"),
            sub("s3", "optout@example.org"),
            sub("s4", "new@example.org"),
        ],
    )
    n2g_control.clear_requests()
    dry = run_sync(n2g_credentials, tmp_path, "reconcile", "--snapshot", str(snapshot), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "plan: create contact new@example.org" in dry.stdout
    assert "plan: update contact keep@example.org" in dry.stdout
    assert "plan: unsubscribe 1 contact(s)" in dry.stdout
    assert writes(n2g_control) == []

    real = run_sync(n2g_credentials, tmp_path, "--json", "reconcile", "--snapshot", str(snapshot))
    assert real.returncode == 0, real.stderr
    summary = json.loads(real.stdout)
    assert (
        summary["contacts_created"],
        summary["contacts_updated"],
        summary["contacts_unsubscribed"],
    ) == (1, 1, 1)
    assert any("optout@example.org" in notice for notice in summary["notices"])
    contacts = account.contacts(list_id)
    assert contacts["keep@example.org"]["first_name"] == "Kept"
    assert contacts["drop@example.org"]["is_unsubscribed"] is True
    assert contacts["optout@example.org"]["is_unsubscribed"] is True  # not overwritten
    assert contacts["new@example.org"]["is_unsubscribed"] is False

    n2g_control.clear_requests()
    again = run_sync(n2g_credentials, tmp_path, "--json", "reconcile", "--snapshot", str(snapshot))
    assert json.loads(again.stdout)["contacts_created"] == 0
    assert writes(n2g_control) == []


def test_check_credentials_passes_with_good_ones(n2g_credentials, tmp_path):
    done = run_sync(n2g_credentials, tmp_path, "check-credentials")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("[ok]") == 4
    assert_no_secret(n2g_credentials, done.stdout, done.stderr)


@pytest.mark.parametrize(
    ("override", "failing", "hint"),
    [
        ({"N2G_AUTH_KEY": "wrong_id:wrong_secret"}, "auth key accepted", "N2G_AUTH_KEY"),
        ({"N2G_PASSWORD": "not-the-password"}, "username and password accepted", "N2G_PASSWORD"),
    ],
)
def test_check_credentials_names_the_wrong_credential(
    n2g_credentials, tmp_path, override, failing, hint
):
    done = run_sync(n2g_credentials, tmp_path, "check-credentials", env_overrides=override)
    assert done.returncode == 3
    assert f"[FAIL] {failing}" in done.stdout
    assert hint in done.stdout
    assert_no_secret(n2g_credentials, done.stdout, done.stderr)
    for value in override.values():
        assert value not in done.stdout + done.stderr


def test_check_credentials_needs_developer_mode(n2g_credentials, n2g_control, tmp_path):
    n2g_control.create_account(
        "nodev_id:nodev_secret", "nodev@example.org", "nodev-pass", is_developer_mode=False
    )
    env = {
        "N2G_AUTH_KEY": "nodev_id:nodev_secret",
        "N2G_USERNAME": "nodev@example.org",
        "N2G_PASSWORD": "nodev-pass",
    }
    done = run_sync(n2g_credentials, tmp_path, "check-credentials", env_overrides=env)
    assert done.returncode == 3
    assert "[FAIL] developer mode on" in done.stdout


def test_check_credentials_reports_an_unreachable_service(n2g_credentials, tmp_path):
    done = run_sync(
        n2g_credentials,
        tmp_path,
        "check-credentials",
        env_overrides={"N2G_BASE_URL": "http://127.0.0.1:9"},
    )
    assert done.returncode == 4
    assert "[FAIL] service reachable" in done.stdout


def test_push_with_refused_credentials_fails_cleanly_without_secrets(n2g_credentials, tmp_path):
    path = write_events(tmp_path, newsletter("n1", "Never"))
    for override in ({"N2G_AUTH_KEY": "bad:key-value-123"}, {"N2G_PASSWORD": "bad-password-456"}):
        done = run_sync(n2g_credentials, tmp_path, "-v", "push", str(path), env_overrides=override)
        assert done.returncode == 3
        assert "Traceback" not in done.stderr
        assert_no_secret(n2g_credentials, done.stdout, done.stderr)
        for value in override.values():
            assert value not in done.stdout + done.stderr


def test_missing_settings_are_a_usage_error(n2g_credentials, tmp_path):
    done = run_sync(
        n2g_credentials, tmp_path, "push", "-", stdin="", env_overrides={"N2G_PASSWORD": ""}
    )
    assert done.returncode == 2
    assert "N2G_PASSWORD" in done.stderr


def test_kill_9_mid_run_then_rerun_converges_without_duplicates(
    n2g_credentials, n2g_control, tmp_path
):
    subs = [subscribe(f"s{i}", f"n{i % 3}", f"k{i}@example.org") for i in range(600)]
    path = write_events(tmp_path, *(newsletter(f"n{i}", f"Kill {i}") for i in range(3)), *subs)
    n2g_control.add_fault(method="POST", path="/recipients", delay_ms=150)
    env = {**n2g_credentials.as_env(), "PYTHONUNBUFFERED": "1"}
    state = str(tmp_path / "sync.sqlite")
    command = [
        sys.executable,
        "-m",
        "sync.cli",
        "--state",
        state,
        "--batch-size",
        "20",
        "push",
        str(path),
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(n2g_control.requests(method="POST", path_prefix="/recipients")) < 4:
        assert time.monotonic() < deadline, "the sync did not get going"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    n2g_control.clear_faults()

    done = run_sync(n2g_credentials, tmp_path, "--batch-size", "20", "push", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    account = Account(n2g_credentials)
    lists = account.lists()
    for i in range(3):
        assert account.list_count(f"Kill {i}") == 1
        contacts = account.contacts(lists[f"Kill {i}"])
        assert len(contacts) == 200
    n2g_control.clear_requests()
    assert run_sync(n2g_credentials, tmp_path, "push", str(path)).returncode == 0
    assert writes(n2g_control) == []


def test_kill_9_while_a_list_create_is_in_flight_makes_no_second_list(
    n2g_credentials, n2g_control, tmp_path
):
    path = write_events(tmp_path, newsletter("n1", "In flight"))
    n2g_control.add_fault(method="POST", path="/lists", delay_ms=3000, when="after")
    env = {**n2g_credentials.as_env(), "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable,
        "-m",
        "sync.cli",
        "--state",
        str(tmp_path / "sync.sqlite"),
        "push",
        str(path),
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    account = Account(n2g_credentials)
    deadline = time.monotonic() + 30
    while account.list_count("In flight") == 0:
        assert time.monotonic() < deadline, "the list was never created"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)  # created in the account, but the answer never arrived
    process.wait(timeout=10)
    n2g_control.clear_faults()
    done = run_sync(n2g_credentials, tmp_path, "push", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert account.list_count("In flight") == 1


def test_a_state_file_belongs_to_one_account(n2g_credentials, n2g_control, tmp_path):
    path = write_events(tmp_path, newsletter("n1", "Owned"))
    assert run_sync(n2g_credentials, tmp_path, "push", str(path)).returncode == 0
    n2g_control.create_account("other_id:other_secret", "other@example.org", "other-pass")
    other = {
        "N2G_AUTH_KEY": "other_id:other_secret",
        "N2G_USERNAME": "other@example.org",
        "N2G_PASSWORD": "other-pass",
    }
    done = run_sync(n2g_credentials, tmp_path, "push", str(path), env_overrides=other)
    assert done.returncode == 2
    assert "another Newsletter2Go account" in done.stderr


def test_a_snapshot_with_invalid_entries_unsubscribes_nobody_for_being_missing(
    n2g_credentials, tmp_path
):
    run_sync(
        n2g_credentials,
        tmp_path,
        "push",
        str(
            write_events(
                tmp_path,
                newsletter("n1", "Snap"),
                subscribe("s1", "n1", "a@example.org"),
                subscribe("s2", "n1", "b@example.org"),
            )
        ),
    )
    snapshot = snapshot_file(tmp_path, [sub("s1", "a@example.org"), sub("s2", "not-an-address")])
    done = run_sync(n2g_credentials, tmp_path, "--json", "reconcile", "--snapshot", str(snapshot))
    assert done.returncode == 1
    summary = json.loads(done.stdout)
    assert summary["contacts_unsubscribed"] == 0
    assert any("subscriptions[1].email" in failure for failure in summary["failures"])
    account = Account(n2g_credentials)
    assert account.contacts(account.lists()["Snap"])["b@example.org"]["is_unsubscribed"] is False
