"""Test 8, crashes: `n2g-sync push` of the campaign killed with SIGKILL at 5 random points.

The kill points are request counts drawn from the campaign's seed and watched in the mock's
journal (its ids count every request); each killed run is restarted with the same state file.
The last run completes, the end state is the fault-free run's, and one more run writes nothing.
"""

import json
import random
import signal
import subprocess
import sys
import time

import requests

from tests.reliability.campaign import differences, seed, shown, snapshot, summary_of

KILLS = 5
RUN_TIMEOUT = 300  # seconds a whole run may take before the test gives up on it
WRITES = ("POST", "PATCH", "DELETE")


def command(tmp_path, events_file, *options: str) -> list[str]:
    state = str(tmp_path / "sync.sqlite")
    return [sys.executable, "-m", "sync.cli", "--state", state, *options, "push", str(events_file)]


def environment(credentials) -> dict[str, str]:
    return {**credentials.as_env(), "PYTHONUNBUFFERED": "1"}


def newest_request(n2g_control) -> dict | None:
    entries = n2g_control.requests(limit="1")
    return entries[-1] if entries else None


def journal_position(credentials, n2g_control) -> int:
    """The id of a request made now (the journal numbers requests from 1, without gaps)."""
    requests.get(f"{credentials.base_url}/lists", timeout=10)  # no token: 401, journaled
    newest = newest_request(n2g_control)
    assert newest is not None, "the journal recorded nothing"
    assert newest["status"] == 401, f"the probe was not the newest request: {newest}"
    return newest["id"]


def kill_after(process, n2g_control, position: int) -> dict:
    """SIGKILL the run once the journal holds `position`; the last request it saw."""
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        newest = newest_request(n2g_control)
        if newest is not None and newest["id"] >= position:
            break
        assert process.poll() is None, (
            f"the run ended (exit {process.returncode}) before request {position}; "
            f"newest journaled: {newest}"
        )
        assert time.monotonic() < deadline, f"the run did not reach request {position}"
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    code = process.wait(timeout=30)
    assert code == -signal.SIGKILL, f"the run was not killed but ended with {code}"
    return newest


def test_the_campaign_converges_after_five_sigkills(
    baseline, n2g_credentials, n2g_control, tmp_path, record_property
):
    events_file = baseline.portal.write(tmp_path / "events.jsonl")
    env = environment(n2g_credentials)
    rng = random.Random(seed())
    # points within the first 90% of a fault-free run's requests; restarts repeat a few
    # (login, look-ups), so every point is reached before the work is done
    span = int(baseline.requests_sent * 0.9)
    cuts = sorted(rng.sample(range(1, span), KILLS))
    start = journal_position(n2g_credentials, n2g_control)
    kills = []
    for number, cut in enumerate(cuts, start=1):
        with (tmp_path / f"run{number}.log").open("w") as log:
            process = subprocess.Popen(
                command(tmp_path, events_file), env=env, stdout=log, stderr=subprocess.STDOUT
            )
            try:
                last = kill_after(process, n2g_control, start + cut)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait(timeout=30)
        kills.append(f"after request {last['id'] - start} ({last['method']} {last['path']})")

    done = subprocess.run(
        command(tmp_path, events_file, "--json"),
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"the final run failed:\n{done.stdout}\n{done.stderr}"
    summary = json.loads(done.stdout)
    assert summary["ok"] is True, summary["failures"]
    total = newest_request(n2g_control)["id"] - start
    figures = (
        f"{len(baseline.events)} events, killed {KILLS} times: " + "; ".join(kills) + ". "
        f"Final run: {summary['events_applied']} applied, {summary['events_skipped']} already "
        f"done; {total} requests in all (fault-free: {baseline.requests_sent})"
    )
    print(f"\n[campaign crashes] {figures}")
    record_property("campaign", figures)

    end_state = snapshot(n2g_credentials)
    problems = differences(baseline.end_state, end_state)
    assert not problems, (
        f"the end state after {KILLS} kills differs from the fault-free run "
        f"({summary_of(baseline.end_state)} expected, {summary_of(end_state)} found):\n"
        + shown(problems)
    )

    n2g_control.clear_requests()
    again = subprocess.run(
        command(tmp_path, events_file, "--json"),
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert again.returncode == 0, f"the run after convergence failed:\n{again.stderr}"
    assert json.loads(again.stdout)["events_skipped"] == len(baseline.events)
    writes = [
        f"{r['method']} {r['path']}"
        for r in n2g_control.requests()
        if r["method"] in WRITES and r["path"] != "/oauth/v2/token"
    ]
    assert writes == [], f"a run after convergence still wrote: {writes[:10]}"
