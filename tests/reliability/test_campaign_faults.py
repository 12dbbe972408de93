"""Test 7, faults: the campaign's events synced while 20% of requests fail at random.

Every kind of fault the mock has, seeded, on every endpoint the sync uses (the token endpoint
included). An event the engine could not apply (its retries ran out) is not marked processed,
so `push` runs again until every event is processed; the end state must then be the fault-free
run's: no contact lost or doubled, no wrong subscription state, no list doubled.

Delays beyond the client's timeout come `after` the service did the work (the answer is late):
that is the timeout a client can be held to. A request held up *before* the service sees it
and then run after the client's retry and later writes would reorder writes on any HTTP
client without conditional requests, which the service does not offer.
"""

import math
import time
from collections import Counter

from sync.client import Client, Unavailable
from sync.engine import Engine
from sync.state import State
from tests.reliability.campaign import differences, scale, seed, shown, snapshot, summary_of
from tests.reliability.conftest import settings_for

FAULT_SHARE = 0.20  # of all requests, over every rule together
# A pass ends at the first call whose 5 attempts all fail (0.2**5 of the calls, so about one
# in 1,500): 5 passes per 2,000 events.
MAX_PASSES = 5 * math.ceil(scale())
TIMEOUT = 0.5  # the client's, in seconds
LATE_MS = 800  # a late answer: beyond the client's timeout
JOURNAL_LIMIT = 10_000  # the mock's journal keeps the newest 10,000 requests
# kind of fault → (rule, weight): how the 20% are shared out
RULES: dict[str, tuple[dict, float]] = {
    "500": ({"status": 500}, 2),
    "502 after the work": ({"status": 502, "when": "after"}, 2),
    "503": ({"status": 503}, 2),
    "429 + Retry-After": ({"status": 429, "retry_after": 1}, 2),
    "connection reset": ({"fault": "connection_reset"}, 2),
    "connection reset after the work": ({"fault": "connection_reset", "when": "after"}, 2),
    "empty response after the work": ({"fault": "empty_response", "when": "after"}, 2),
    "truncated JSON": ({"fault": "malformed_body"}, 2),
    "answer after the timeout": ({"delay_ms": LATE_MS, "when": "after"}, 0.5),
}


def fault_rules(base_seed: int) -> list[dict]:
    """Each rule draws on its own; their probabilities multiply to a total of FAULT_SHARE."""
    total = sum(weight for _, weight in RULES.values())
    rules = []
    for number, (rule, weight) in enumerate(RULES.values()):
        probability = 1 - math.exp(math.log(1 - FAULT_SHARE) * weight / total)
        rules.append({**rule, "probability": probability, "seed": base_seed + number})
    return rules


def settled_journal(n2g_control, requests_sent: int) -> list[dict]:
    """The journal once a late answer the client gave up on has been recorded too."""
    deadline = time.monotonic() + 10
    journal = n2g_control.requests()
    while len(journal) < min(requests_sent, JOURNAL_LIMIT) and time.monotonic() < deadline:
        time.sleep(0.1)
        journal = n2g_control.requests()
    return journal


def test_the_campaign_survives_twenty_percent_faults(
    baseline, n2g_credentials, n2g_control, tmp_path, record_property
):
    rules = fault_rules(seed())
    survive = math.prod(1 - rule["probability"] for rule in rules)
    assert math.isclose(1 - survive, FAULT_SHARE), "the rules do not add up to the fault share"
    added = n2g_control.add_fault(rules=rules)["rules"]
    settings = settings_for(
        n2g_credentials, timeout=TIMEOUT, max_attempts=5, backoff_base=0.005, backoff_max=0.02
    )
    state = State(tmp_path / "sync.sqlite")
    client = Client(settings, token_store=state)
    events = baseline.events
    passes: list[str] = []
    try:
        for number in range(1, MAX_PASSES + 1):
            try:
                summary = Engine(client, state).push(events)
            except Unavailable as error:  # retries ran out: the rest waits for the next pass
                passes.append(f"pass {number}: stopped ({error})")
                continue
            passes.append(
                f"pass {number}: {summary.events_applied} applied, "
                f"{summary.events_skipped} already done, {len(summary.failures)} failed"
            )
            assert summary.ok, f"events failed for good: {[str(f) for f in summary.failures[:5]]}"
            break
        unprocessed = [e.event_id for e in events if not state.is_processed(e.event_id)]
        assert not unprocessed, (
            f"{len(unprocessed)} events still unprocessed after {MAX_PASSES} passes:\n"
            + "\n".join(passes)
        )
    finally:
        state.close()
        client.close()

    hits = {rule["id"]: rule["hits"] for rule in n2g_control.faults()}
    n2g_control.clear_faults()
    by_kind = Counter({kind: hits[rule["id"]] for kind, rule in zip(RULES, added, strict=True)})
    injected = sum(by_kind.values())
    journal = settled_journal(n2g_control, client.requests_sent)
    retries = client.requests_sent - baseline.requests_sent
    end_state = snapshot(n2g_credentials)
    problems = differences(baseline.end_state, end_state)
    figures = (
        f"{len(events)} events, {len(passes)} pass(es); {client.requests_sent} requests "
        f"(fault-free: {baseline.requests_sent}), {retries} more; {injected} faults injected "
        f"({injected / client.requests_sent:.1%}): "
        + ", ".join(f"{kind} {count}" for kind, count in by_kind.items())
        + f"; end state: {summary_of(end_state)}, "
        + (f"{len(problems)} differences" if problems else "as without faults")
    )
    print(f"\n[campaign faults] {figures}\n" + "\n".join(passes))
    record_property("campaign", figures + " | " + "; ".join(passes))

    assert injected > 0.1 * client.requests_sent, f"too few faults for the campaign: {figures}"
    assert all(by_kind.values()), f"a kind of fault never fired: {dict(by_kind)}"
    if client.requests_sent < JOURNAL_LIMIT:
        assert len(journal) == client.requests_sent, "the journal missed requests of the sync"
        faulted = sum(1 for entry in journal if entry["fault"] is not None)
        assert faulted == injected, f"journal shows {faulted} faulted requests, rules {injected}"

    assert not problems, (
        f"the end state differs from the fault-free run ({summary_of(baseline.end_state)} "
        f"expected, {summary_of(end_state)} found):\n" + shown(problems)
    )
