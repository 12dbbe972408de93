"""Fault injection (WireMock-style): error statuses, delays and broken connections on demand.

A rule matches a request by `method` (or `*`) and `path` (an fnmatch glob on the path without
query; `*` also matches `/`). The first rule that matches and fires applies: `times` caps how
often it fires (then it is spent), `probability` makes each match fire at random, drawn from
the rule's own `random.Random(seed)`. Only the service's endpoints are faulted, never `/_mock`.

`when: "before"` answers without running the service; `"after"` lets the service do the work
and then breaks its answer. `connection_reset` and `empty_response` need a real connection
(`mock_n2g.server.make_server`); under Flask's test client they raise `NoConnection`.
"""

import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from fnmatch import fnmatchcase
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue

from mock_n2g.api.access import json_body
from mock_n2g.control.access import guard
from mock_n2g.errors import ApiError, bad_request
from mock_n2g.replay import replaying
from mock_n2g.server import drop_connection

FAULTS_KEY = "n2g_faults"
KIND_KEY = "n2g_mock.fault"  # environ: the kind of fault applied to the request
DROP_KEY = "n2g_mock.drop"  # environ: the network fault to end the connection with
CONNECTION_RESET = "connection_reset"
EMPTY_RESPONSE = "empty_response"
MALFORMED_BODY = "malformed_body"
NETWORK_FAULTS = frozenset({CONNECTION_RESET, EMPTY_RESPONSE})
FAULTS = NETWORK_FAULTS | {MALFORMED_BODY}
METHODS = frozenset({"*", "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
FIELDS = frozenset(
    {"method", "path", "status", "body", "retry_after", "delay_ms", "fault", "when"}
    | {"times", "probability", "seed"}
)
MAX_DELAY_MS = 60_000

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True)
class RuleSpec:
    """A validated rule as posted; `kind` names what it does for the journal."""

    method: str = "*"
    path: str = "*"
    when: str = "before"
    status: int | None = None
    body: Any = None
    retry_after: int | None = None
    delay_ms: int | None = None
    fault: str | None = None
    times: int | None = None
    probability: float | None = None
    seed: int | None = None

    @property
    def kind(self) -> str:
        return self.fault or ("status" if self.status is not None else "delay")


@dataclass
class FaultRule:
    id: int
    spec: RuleSpec
    remaining: int | None  # None: never spent
    random: random.Random
    hits: int = 0

    def fires(self, method: str, path: str) -> bool:
        """Whether the rule applies to this request; counts the hit if so."""
        spec = self.spec
        if self.remaining == 0 or spec.method not in ("*", method):
            return False
        if not fnmatchcase(path, spec.path):
            return False
        if spec.probability is not None and self.random.random() >= spec.probability:
            return False
        self.hits += 1
        if self.remaining is not None:
            self.remaining -= 1
        return True

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            **asdict(self.spec),
            "remaining": self.remaining,
            "hits": self.hits,
        }


class FaultBook:
    """The rules of one mock, safe to use from every server thread."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._next_id = 1

    def add(self, specs: list[RuleSpec]) -> list[dict[str, Any]]:
        with self._lock:
            added = []
            for spec in specs:
                rule = FaultRule(self._next_id, spec, spec.times, random.Random(spec.seed))
                self._next_id += 1
                self._rules.append(rule)
                added.append(rule.as_json())
            return added

    def draw(self, method: str, path: str) -> RuleSpec | None:
        with self._lock:
            for rule in self._rules:
                if rule.fires(method, path):
                    return rule.spec
            return None

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.as_json() for rule in self._rules]

    def remove(self, rule_id: int) -> bool:
        with self._lock:
            kept = [rule for rule in self._rules if rule.id != rule_id]
            found = len(kept) < len(self._rules)
            self._rules = kept
            return found

    def clear(self) -> int:
        with self._lock:
            count, self._rules = len(self._rules), []
            return count


def _integer(raw: dict[str, Any], name: str, low: int, high: int | None) -> int | None:
    value = raw.get(name)
    if value is None:
        return None
    too_big = high is not None and isinstance(value, int) and value > high
    if isinstance(value, bool) or not isinstance(value, int) or value < low or too_big:
        bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise bad_request(f"{name} must be an integer {bounds}")
    return value


def parse_spec(raw: Any) -> RuleSpec:
    """One rule from its JSON, or a 400 naming the first problem."""
    if not isinstance(raw, dict):
        raise bad_request("a fault rule must be a JSON object")
    unknown = sorted(set(raw) - FIELDS)
    if unknown:
        raise bad_request(f"unknown field {unknown[0]!r} in a fault rule")
    method = raw.get("method", "*")
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise bad_request("method must be an HTTP method or '*'")
    path = raw.get("path", "*")
    if not isinstance(path, str) or not path:
        raise bad_request("path must be a non-empty glob pattern such as /lists/*")
    status = _integer(raw, "status", 400, 599)
    fault = raw.get("fault")
    if fault is not None and fault not in FAULTS:
        raise bad_request(f"fault must be one of {', '.join(sorted(FAULTS))}")
    delay_ms = _integer(raw, "delay_ms", 0, MAX_DELAY_MS)
    if status is not None and fault is not None:
        raise bad_request("a rule has either a status or a fault, not both")
    if status is None and fault is None and delay_ms is None:
        raise bad_request("a rule needs a status, a fault or a delay_ms")
    retry_after = _integer(raw, "retry_after", 0, None)
    if status is None and (retry_after is not None or "body" in raw):
        raise bad_request("retry_after and body go with a status")
    when = raw.get("when") or ("after" if fault == MALFORMED_BODY else "before")
    if when not in ("before", "after"):
        raise bad_request("when must be 'before' or 'after'")
    if fault == MALFORMED_BODY and when == "before":
        raise bad_request("malformed_body breaks the service's answer: it needs when 'after'")
    probability = raw.get("probability")
    if probability is not None and (
        isinstance(probability, bool)
        or not isinstance(probability, int | float)
        or not 0 <= probability <= 1
    ):
        raise bad_request("probability must be a number from 0 to 1")
    seed = raw.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise bad_request("seed must be an integer")
    return RuleSpec(
        method=method.upper(),
        path=path,
        when=when,
        status=status,
        body=raw.get("body"),
        retry_after=retry_after,
        delay_ms=delay_ms,
        fault=fault,
        times=_integer(raw, "times", 1, None),
        probability=None if probability is None else float(probability),
        seed=seed,
    )


def book() -> FaultBook:
    return current_app.extensions[FAULTS_KEY]


def is_service_request() -> bool:
    """A live call to the service's endpoints: not `/_mock`, not a replayed command."""
    path = request.path
    return not (path == "/_mock" or path.startswith("/_mock/")) and not replaying()


def applied_fault(environ: dict[str, Any]) -> str | None:
    """The kind of fault applied to a request, if any: a fault name, `status` or `delay`."""
    return environ.get(KIND_KEY)


def _sleep(spec: RuleSpec) -> None:
    if spec.delay_ms:
        time.sleep(spec.delay_ms / 1000)


def _error_response(spec: RuleSpec, status: int) -> Response:
    response = jsonify(spec.body if spec.body is not None else ApiError(status).body())
    response.status_code = status
    if spec.retry_after is not None:
        response.headers["Retry-After"] = str(spec.retry_after)
    return response


def _truncated(response: Response) -> Response:
    """The answer's status with its JSON cut in half: a parser never accepts it."""
    data = response.get_data()
    response.set_data(data[: len(data) // 2] if data.startswith((b"{", b"[")) else b'{"')
    response.headers["Content-Type"] = "application/json"
    return response


def _answer(spec: RuleSpec, response: Response | None) -> Response | None:
    """What the client gets instead of `response` (None: the service's own answer)."""
    if spec.status is not None:
        return _error_response(spec, spec.status)
    if spec.fault in NETWORK_FAULTS:
        request.environ[DROP_KEY] = spec.fault
        return Response(status=204) if response is None else response  # never sent
    if spec.fault == MALFORMED_BODY and response is not None:
        return _truncated(response)
    return response


def _before() -> Response | None:
    if not is_service_request():
        return None
    spec = book().draw(request.method, request.path)
    if spec is None:
        return None
    request.environ[KIND_KEY] = spec.kind
    if spec.when == "after":
        g.n2g_late_fault = spec
        return None
    _sleep(spec)
    return _answer(spec, None)


def _after(response: Response) -> Response:
    spec: RuleSpec | None = g.get("n2g_late_fault")
    if spec is None:
        return response
    answer = _answer(spec, response)
    return response if answer is None else answer


def _late_delay(error: BaseException | None) -> None:
    """An `after` delay, once the request's own clean-up (locks) is done."""
    spec: RuleSpec | None = g.get("n2g_late_fault")
    if spec is not None:
        _sleep(spec)


class _ConnectionDropper:
    """WSGI middleware: ends the connection of a request marked with a network fault."""

    def __init__(self, wsgi_app: WSGIApp) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        answer = self.wsgi_app(environ, start_response)
        fault = environ.get(DROP_KEY)
        if fault is not None:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
            drop_connection(environ, reset=fault == CONNECTION_RESET)
        return answer


def install(app: Flask) -> None:
    """Fault hooks at app level, so a `before` fault stops a request ahead of auth and handler."""
    app.extensions[FAULTS_KEY] = FaultBook()
    app.before_request(_before)
    app.after_request(_after)
    app.teardown_request(_late_delay)
    app.wsgi_app = _ConnectionDropper(app.wsgi_app)  # type: ignore[method-assign]


blueprint = Blueprint("faults", __name__, url_prefix="/_mock")
blueprint.before_request(guard)


@blueprint.post("/faults")
def add_faults() -> ResponseReturnValue:
    """One rule, or `{"rules": [...]}`; all are validated before any is stored."""
    payload = json_body()
    if isinstance(payload, dict) and "rules" in payload:
        if set(payload) != {"rules"}:
            raise bad_request("next to 'rules', a body has no other field")
        if not isinstance(payload["rules"], list) or not payload["rules"]:
            raise bad_request("rules must be a non-empty array of fault rules")
        added = book().add([parse_spec(raw) for raw in payload["rules"]])
        return jsonify({"rules": added}), 201
    return jsonify(book().add([parse_spec(payload)])[0]), 201


@blueprint.get("/faults")
def list_faults() -> ResponseReturnValue:
    return jsonify({"rules": book().rules()})


@blueprint.delete("/faults")
def clear_faults() -> ResponseReturnValue:
    return jsonify({"deleted": book().clear()})


@blueprint.delete("/faults/<int:rule_id>")
def delete_fault(rule_id: int) -> ResponseReturnValue:
    if not book().remove(rule_id):
        raise ApiError(404, f"fault rule {rule_id} not found")
    return jsonify({"deleted": 1})
