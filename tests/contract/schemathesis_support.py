"""What `test_schemathesis.py` runs schemathesis with: a furnished mock that can be renewed, the
strategy of valid `_filter` values, and the answers the vendor gives to valid requests because of
the account's state."""

import io
import re
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance

from mock_n2g import create_app
from mock_n2g.backend import AccountSpec
from mock_n2g.clock import Clock
from mock_n2g.config import MockConfig
from tests.support import Api

# The account of the documented examples (README: the demo account), so that the spec's login
# example logs in and `demoform` is a form.
ACCOUNT = AccountSpec(
    auth_key="mock_client_id:mock_client_secret",
    username="demo@example.org",
    password="demo-password",
    default_form_code="demoform",
)


class StillClock(Clock):
    """The mock's clock standing at START (only `advance` moves it). With it and a fixed seed, a
    renewed mock issues the same ids and tokens: the cases schemathesis builds before a test
    (its coverage phase) carry a token that the test's fresh mock still accepts."""

    START = 1_800_000_000.0  # 2027-01-15T08:00:00+0000

    def now(self) -> float:
        return self.START + self.offset


class FurnishedMock:
    """A WSGI app forwarding to the current mock. `renew()` swaps in a fresh one, logged in and
    furnished with one of each resource, whose ids `ids` holds by path parameter name."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.app: Any = None
        self.token = ""
        self.ids: dict[str, list[str]] = {}
        self.renew()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable:
        return self.app(environ, start_response)

    def renew(self) -> None:
        self.app = create_app(MockConfig(accounts=[ACCOUNT], seed=self.seed, clock=StillClock()))
        api = Api(self.app.test_client(), ACCOUNT)
        self.token = api.token
        self.ids = self._furnish(api)

    def _furnish(self, api: Api) -> dict[str, list[str]]:
        """A list with contacts, an attribute, a static and a dynamic segment, a one-time and a
        transactional mailing, an upload waiting for its import and a finished import, and a
        pending opt-in; with the default list, the form, the company and the user."""

        def call(method: str, path: str, **kwargs: Any) -> Any:
            answer = getattr(api, method.lower())(path, **kwargs)
            assert answer.status_code < 300, (method, path, answer.get_data(as_text=True))
            return answer.get_json()

        def created(path: str, **kwargs: Any) -> str:
            return call("POST", path, **kwargs)["value"][0]["id"]

        default_list = api.default_list_id()
        list_id = api.create_list("Fixture list")
        attribute = created("/attributes", json={"list_ids": [list_id], "name": "city"})
        recipients = api.add(
            list_id,
            {"email": "anna@example.org", "first_name": "Anna", "city": "Ulm"},
            {"email": "ben@example.org", "is_unsubscribed": True},
        )
        static = created("/groups", json={"list_id": list_id, "name": "Static"})
        call("POST", f"/lists/{list_id}/groups/{static}/recipients/{recipients[0]}")
        dynamic = created(
            "/groups",
            json={
                "list_id": list_id,
                "name": "Dynamic",
                "is_dynamic": True,
                "filter": 'email=like="%@example.org"',
            },
        )
        mailings = [
            created(f"/lists/{list_id}/newsletters", json={"name": "News"}),
            created(
                f"/lists/{list_id}/newsletters",
                json={"name": "Welcome", "type": "transaction", "state": "active"},
            ),
        ]
        uploads = []
        for name in ("waiting.csv", "imported.csv"):
            csv = (io.BytesIO(b"email,first_name\ncarl@example.org,Carl\n"), name)
            uploads.append(
                call("POST", f"/lists/{list_id}/recipients/import/init", data={"file": csv})["file"]
            )
        imported = created(
            f"/lists/{list_id}/recipients/import/save",
            json={"file": uploads[1], "associations": {"0": "email", "1": "first_name"}},
        )
        call(
            "POST",
            f"/forms/submit/{ACCOUNT.default_form_code}",
            json={"recipient": {"email": "dora@example.org"}},
        )
        [opt_in] = [email.link for email in self.app.extensions["n2g_backend"].outbox.emails()]
        return {
            "lid": [default_list, list_id],
            "rid": recipients,
            "gid": [static, dynamic],
            "aid": [attribute],
            "nid": mailings,
            "id": [imported],
            "cid": [call("GET", "/companies")["value"][0]["id"]],
            "uid": [call("GET", "/users")["value"][0]["id"]],
            "code": [str(ACCOUNT.default_form_code)],
            "token": [str(opt_in).rsplit("/", 1)[-1]],
            "file": [uploads[0]],
        }


# Valid `_filter` values (spec: `format: n2g-filter`). `id` is a field of every resource, so a
# filter over it is valid for each collection and for a dynamic segment; the values, operators
# and nesting vary. Malformed filters are the mock's unit tests' business (a 400 each).
QUOTED = st.text(string.ascii_letters + string.digits + "%_.@ -", max_size=12).map(
    lambda text: f'"{text}"'
)
OPERATORS = ("==", "=ne=", "=gt=", "=ge=", "=lt=", "=le=", "=like=", "=nlike=", "=LIKE=")
COMPARISON = st.one_of(
    st.tuples(st.sampled_from(OPERATORS), QUOTED).map(lambda parts: f"id{parts[0]}{parts[1]}"),
    st.tuples(st.sampled_from(("=in=", "=nin=")), st.lists(QUOTED, min_size=1, max_size=3)).map(
        lambda parts: f"id{parts[0]}({','.join(parts[1])})"
    ),
    st.tuples(st.sampled_from(("=contains=", "=ncontains=")), QUOTED).map(
        lambda parts: f"id{parts[0]}{parts[1]}"
    ),
)
FILTERS = st.recursive(
    COMPARISON,
    lambda inner: st.tuples(inner, st.sampled_from((";", ",")), inner).map(
        lambda parts: f"({parts[0]}){parts[1]}{parts[2]}"
    ),
    max_leaves=4,
)


@dataclass(frozen=True)
class StateRule:
    """An answer the vendor's API gives to a well-formed request because of the account's state
    (a name taken, a dynamic segment, a mailing already sent, ...): the contract declares it but
    cannot tell it from the request alone. A 422 must name only the fields of `errors`, each
    with a message matching its pattern; `unless_given` are body fields that, when sent, make the
    request decide the answer instead of the state."""

    status: int
    message: str  # a regular expression the errorMessage matches
    code: int | None = None
    errors: tuple[tuple[str, str], ...] = ()  # (fieldName, message pattern) of `moreInfo.errors`
    unless_given: tuple[str, ...] = ()

    def explains(self, case: schemathesis.Case, response: schemathesis.Response) -> bool:
        if response.status_code != self.status:
            return False
        body = response.json()
        if not isinstance(body, dict) or (self.code is not None and body.get("code") != self.code):
            return False
        if re.search(self.message, str(body.get("errorMessage", ""))) is None:
            return False
        sent = case.body if isinstance(case.body, dict) else {}
        if any(sent.get(name) is not None for name in self.unless_given):
            return False
        patterns = dict(self.errors)
        return all(
            error.get("fieldName") in patterns
            and re.search(patterns[error["fieldName"]], str(error.get("message", ""))) is not None
            for error in (body.get("moreInfo") or {}).get("errors", [])
        )


def invalid(*errors: tuple[str, str], unless_given: tuple[str, ...] = ()) -> StateRule:
    """The 422 of a rule on stored data: `(fieldName, message pattern)` for each error."""
    return StateRule(422, "^Error during input validation$", 10003, errors, unless_given)


DUPLICATE = StateRule(400, r'^Duplicate value ".*" for column "(name|email)"$', code=1062)
DYNAMIC = StateRule(400, "cannot be added to or removed from a dynamic segment")
STATE_RULES: dict[str, tuple[StateRule, ...]] = {
    "deleteList": (StateRule(400, "the default list cannot be deleted"),),
    "updateListRecipients": (DUPLICATE,),
    "updateListRecipient": (DUPLICATE,),
    "startImport": (
        StateRule(400, r"^Bad Request \(Import alredy in progress\)$", code=10019),
        StateRule(400, "an import cannot add recipients to a dynamic segment"),
        invalid(("associations", "^no column [0-9]+ in the file$")),  # the file is narrower
    ),
    "createGroup": (DUPLICATE,),
    "updateGroup": (
        DUPLICATE,
        invalid(
            ("is_dynamic", "^is_dynamic cannot be changed$"),
            ("list_id", "^a segment cannot change lists$"),
            ("filter", "^only dynamic segments have a filter$|^a dynamic segment needs a filter$"),
        ),
    ),
    "addGroupMembers": (DYNAMIC,),
    "removeGroupMembers": (DYNAMIC,),
    "addGroupMember": (DYNAMIC,),
    "removeGroupMember": (DYNAMIC,),
    "createAttribute": (DUPLICATE,),
    "updateAttribute": (
        DUPLICATE,
        invalid(("sub_type", "^sub_type of a [a-z]+ attribute is one of"), unless_given=("type",)),
    ),
    "updateMailing": (
        invalid(
            ("type", "^the type of a mailing cannot be changed$"),
            ("state", "^state can only be set on mailings of type"),
        ),
    ),
    "sendMailing": (
        StateRule(400, "of type 'default' is not allowed|already been sent|is not active"),
        StateRule(400, "is deleted|no recipients selected|none of the selected recipients"),
        StateRule(400, "contexts must be a non-empty array"),
        invalid(("list_id", "^list_id must be the mailing's list$")),
    ),
    "sendTestMailing": (StateRule(400, "the newsletter is deleted"),),
}


def positive_data_acceptance_but_state_rules(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    """Schemathesis' `positive_data_acceptance`, which passes a rejection only when one of the
    operation's STATE_RULES explains it; any other rejection of valid data still fails."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        operation_id = case.operation.definition.raw.get("operationId", "")
        if any(rule.explains(case, response) for rule in STATE_RULES.get(operation_id, ())):
            return None
        raise


# Keyword arguments of `validate_response` / `call_and_validate`: every check schemathesis has,
# `positive_data_acceptance` in the form above.
CHECKS: dict[str, Any] = {
    "excluded_checks": [positive_data_acceptance],
    "additional_checks": [positive_data_acceptance_but_state_rules],
}
