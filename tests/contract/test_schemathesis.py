"""Schemathesis against the mock, in process (WSGI), from the mock's own `/openapi.json`.

Every operation of the contract with every check schemathesis has, at their default expected
statuses: the documented examples, the coverage phase's boundary and negative cases, then random
positive and negative data; and stateful runs along the contract's links (create a list, add
contacts, read, change and delete them; segments, attributes and mailings of a list).
`positive_data_acceptance` runs in a form that also accepts the answers the vendor documents for
valid requests in some account states (`schemathesis_support.STATE_RULES`).

Each operation runs on a fresh mock furnished with one resource of each kind; a path parameter
is a generated value or one of those ids. Each stateful scenario starts on a fresh mock too.

The QUICK run belongs to the default suite: `QUICK_EXAMPLES` examples an operation, derandomized,
so CI sees the same inputs every time. The DEEP run is the same tests with more examples, more
and longer scenarios and a random seed, e.g. `N2G_SCHEMATHESIS_EXAMPLES=200 pytest
tests/contract/test_schemathesis.py` (`tox -e contracts`); `N2G_SCHEMATHESIS_SEED` replays the
seed it prints.
"""

import os
import random
from typing import Any, ClassVar

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.stateful.state_machine import StepInput, StepOutput

from tests.contract.schemathesis_support import (
    ACCOUNT,
    CHECKS,
    FILTERS,
    FurnishedMock,
)
from tests.support import basic

QUICK_EXAMPLES = 12
EXAMPLES = int(os.environ.get("N2G_SCHEMATHESIS_EXAMPLES") or QUICK_EXAMPLES)
DEEP = EXAMPLES > QUICK_EXAMPLES
SEED = int(os.environ.get("N2G_SCHEMATHESIS_SEED") or (random.randrange(2**32) if DEEP else 0))
STATEFUL_SCENARIOS = EXAMPLES if DEEP else 40
STATEFUL_STEPS = 40 if DEEP else 12
SETTINGS = settings(
    deadline=None, suppress_health_check=list(HealthCheck), derandomize=not DEEP, database=None
)

schemathesis.openapi.format("n2g-filter", FILTERS)
MOCK = FurnishedMock(seed=SEED)


def config(mode: str) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {
                "max-examples": EXAMPLES,
                "deterministic": not DEEP,
                "database": "none",
                "mode": mode,
            },
            "phases": {"stateful": {"max-steps": STATEFUL_STEPS}},
            # Literals from the mock's source code would land in `_filter` and segment filters
            # too, where the contract can only name the language (`format: n2g-filter`).
            "analysis": {"constants": {"enabled": False}},
        }
    )


def load_schema(mode: str = "all") -> Any:
    """The contract as the mock serves it, with the mock's credentials."""
    loaded = schemathesis.openapi.from_wsgi("/openapi.json", MOCK, config=config(mode))
    security = loaded.raw_schema.get("security", [])

    @loaded.auth(refresh_interval=None)
    class MockAuth:
        """The current mock's bearer token where the contract asks for one, the auth key as
        HTTP Basic on the token endpoint, nothing on the public forms."""

        def get(self, case: schemathesis.Case, ctx: schemathesis.AuthContext) -> str:
            return MOCK.token

        def set(self, case: schemathesis.Case, data: str, ctx: schemathesis.AuthContext) -> None:
            schemes = {
                name
                for requirement in case.operation.definition.raw.get("security", security)
                for name in requirement
            }
            if "bearerAuth" in schemes:
                case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}
            elif "authKey" in schemes:
                case.headers = {**(case.headers or {}), **basic(ACCOUNT.auth_key)}

    return loaded


schema = load_schema()


# Body fields naming a resource, and the path parameter whose ids they take.
BODY_IDS = {"list_id": "lid", "default_list_id": "lid", "file": "file", "groupId": "gid"}


def _or_known(value: Any, kind: str) -> st.SearchStrategy:
    return st.sampled_from([value, *MOCK.ids.get(kind, ())])


@schema.hook
def flatmap_case(context: schemathesis.HookContext, case: schemathesis.Case) -> st.SearchStrategy:
    """Valid ids in paths and bodies: each the generated value or the id of one of the mock's
    resources (the invalid parts of a negative case stay as they are)."""
    meta = case.meta
    path = {}
    if not (meta and meta.is_negative_at(ParameterLocation.PATH)):
        path = {name: _or_known(value, name) for name, value in case.path_parameters.items()}
    body = {}
    if isinstance(case.body, dict) and not (meta and meta.is_negative_at(ParameterLocation.BODY)):
        body = {
            name: _or_known(case.body[name], kind)
            for name, kind in BODY_IDS.items()
            if isinstance(case.body.get(name), str)
        }
        if isinstance(case.body.get("list_ids"), list) and case.body["list_ids"]:
            body["list_ids"] = st.sampled_from(
                [case.body["list_ids"], *([i] for i in MOCK.ids["lid"])]
            )
    if not path and not body:
        return st.just(case)

    def with_ids(chosen: tuple[dict[str, Any], dict[str, Any]]) -> schemathesis.Case:
        case.path_parameters = {**case.path_parameters, **chosen[0]}
        if chosen[1]:
            case.body = {**case.body, **chosen[1]}
        return case

    return st.tuples(st.fixed_dictionaries(path), st.fixed_dictionaries(body)).map(with_ids)


@pytest.fixture(scope="module", autouse=True)
def announce_the_run(request: pytest.FixtureRequest) -> None:
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if capture is not None and reporter is not None:
        run = f"{'deep' if DEEP else 'quick'} run, {EXAMPLES} examples an operation, seed {SEED}"
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"schemathesis: {run}")


@pytest.fixture(autouse=True)
def fresh_mock() -> None:
    MOCK.renew()


@schema.parametrize()
@SETTINGS
def test_every_operation(case: schemathesis.Case) -> None:
    response = case.call_and_validate(**CHECKS)
    if case.operation.label == "DELETE /users/{uid}" and response.status_code == 200:
        MOCK.renew()  # the user is gone: every later call would only be a 401


# The scenario the contract's links describe: create a list, add contacts to it, read, change
# and delete them. A state machine of just these operations follows the links far more often
# than one of the whole API, where they drown among the other operations.
CONTACT_WORKFLOW = [
    "createList",
    "getList",
    "updateList",
    "deleteList",
    "upsertRecipients",
    "listListRecipients",
    "getListRecipient",
    "getRecipient",
    "updateListRecipient",
    "deleteListRecipient",
]
# The segments, attributes and mailings of a new list, along the links from `createList`.
LIST_RESOURCES_WORKFLOW = [
    "createList",
    "createGroup",
    "getGroup",
    "updateGroup",
    "listGroupMembers",
    "addGroupMembers",
    "deleteGroup",
    "createAttribute",
    "getAttribute",
    "updateAttribute",
    "deleteAttribute",
    "createMailing",
    "getMailing",
    "updateMailing",
    "listMailingVersions",
    "sendTestMailing",
]
# Every resource the links connect (the user stays out: deleting it would end every scenario).
LINKED_TAGS = ["Lists", "Contacts", "Segments", "Attributes", "Campaigns"]
# Without the path parameter hook, which would override the links; valid data only, so that a
# scenario gets past its first steps (`test_every_operation` sends the invalid data).
STATEFUL = load_schema(mode="positive")


def keep_on_the_links(step: StepInput) -> None:
    """Valid data that lets a scenario go on along the links: a link names the new list first
    in `list_ids`, and schemathesis keeps generated (unknown) lists after it; contacts sent
    without `list_id` go to the default list, which the links from the answer cannot name."""
    case = step.case
    if case.meta and case.meta.is_negative_at(ParameterLocation.BODY):
        return
    if (ParameterLocation.BODY, "list_ids") in step.applied_parameters:
        case.body = {**case.body, "list_ids": case.body["list_ids"][:1]}
    if case.operation.label == "POST /recipients":
        for entry in case.body if isinstance(case.body, list) else [case.body]:
            if isinstance(entry, dict) and "list_id" not in entry:
                entry["list_id"] = MOCK.ids["lid"][1]


class CheckedWorkflow:
    """Each scenario on a fresh mock, its answers judged by the checks of `test_every_operation`.
    `followed` collects the links a step took with every value the link supplies and a 2xx."""

    followed: ClassVar[set[str]]

    def setup(self) -> None:
        MOCK.renew()

    def step(self, input: StepInput) -> StepOutput:
        keep_on_the_links(input)
        output = super().step(input)  # type: ignore[misc]
        if input.transition is not None and input.is_applied and output.response.status_code < 300:
            type(self).followed.add(input.transition.id.split("] ")[-1].split(" -> ")[0])
        return output

    def validate_response(
        self,
        response: schemathesis.Response,
        case: schemathesis.Case,
        additional_checks: list[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        case.validate_response(response, transport_kwargs=kwargs or None, **CHECKS)


class ContactWorkflow(
    CheckedWorkflow,
    STATEFUL.include(operation_id=CONTACT_WORKFLOW).as_state_machine(),  # type: ignore[misc]
):
    """Lists and their contacts along the links."""

    followed: ClassVar[set[str]] = set()


class ListResourcesWorkflow(
    CheckedWorkflow,
    STATEFUL.include(operation_id=LIST_RESOURCES_WORKFLOW).as_state_machine(),  # type: ignore[misc]
):
    """Segments, attributes and mailings of a list along the links."""

    followed: ClassVar[set[str]] = set()


class LinkedWorkflow(
    CheckedWorkflow,
    STATEFUL.include(tag=LINKED_TAGS).as_state_machine(),  # type: ignore[misc]
):
    """Everything the links connect: lists, contacts, segments, attributes, mailings."""

    followed: ClassVar[set[str]] = set()


# The links (by name, in mock_n2g/openapi.yaml) a run must have taken successfully: proof that
# the scenarios walk the contract's workflows rather than calling operations at random.
# Alternatives are separated by "|".
MUST_FOLLOW = {
    ContactWorkflow: [
        "AddRecipient",  # create a list -> add a contact to it
        "GetListRecipient|GetRecipient",  # -> read it
        "UpdateListRecipient",  # -> change it
        "DeleteListRecipient",  # -> delete it
        "UpdateList",
        "DeleteList",
    ],
    ListResourcesWorkflow: [
        "CreateGroup",  # create a list -> a segment of it
        "CreateAttribute",  # -> an attribute of it
        "CreateMailing",  # -> a mailing of it
        "AddMembers|UpdateGroup|UpdateAttribute|UpdateMailing",  # -> and use or change one
    ],
    LinkedWorkflow: [
        "AddRecipient|CreateGroup|CreateAttribute|CreateMailing",  # from a new list onwards
    ],
}


@pytest.mark.parametrize(
    "workflow",
    [ContactWorkflow, ListResourcesWorkflow, LinkedWorkflow],
    ids=["contacts", "list-resources", "all"],
)
def test_stateful(workflow: type[CheckedWorkflow]) -> None:
    workflow.followed.clear()
    workflow.run(  # type: ignore[attr-defined]
        settings=settings(
            SETTINGS, max_examples=STATEFUL_SCENARIOS, stateful_step_count=STATEFUL_STEPS
        )
    )
    missed = [
        names for names in MUST_FOLLOW[workflow] if not set(names.split("|")) & workflow.followed
    ]
    assert not missed, f"links never followed with a 2xx: {missed}; followed: {workflow.followed}"
