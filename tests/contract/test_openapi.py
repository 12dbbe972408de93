"""The mock's OpenAPI contract (`mock_n2g/openapi.yaml`): valid, served, complete, and true to the
vendor's documented examples.

The documented examples come from the conformance fixture (`tests/fixtures/n2g_examples.json`),
which holds the KEY STRUCTURE of each documented answer, not its values (see
`scripts/extract_n2g_examples.py`). So each documented answer is checked by SHAPE against the
response schema the spec declares for its operation and status: every documented key is allowed
where it appears (declared, or admitted by `additionalProperties`/`patternProperties`), its
documented JSON type is one the schema admits, arrays and maps recurse into their items, and
every key the schema requires is among the documented ones. The six documented error answers
are kept whole in the fixture, so they are validated as they are, values included.
"""

import json
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parents[2]
SPEC_FILE = ROOT / "mock_n2g" / "openapi.yaml"
FIXTURE = ROOT / "tests" / "fixtures" / "n2g_examples.json"
README = ROOT / "README.md"
METHODS = ("get", "post", "put", "patch", "delete")
PLACEHOLDER = re.compile(r"\{[^}]+\}|<[^>]+>")
VARIABLE = re.compile(r"{{\w+}}")
ENDPOINT = re.compile(r"`(GET|POST|PATCH|PUT|DELETE) (/[^`\s]*)`")
# Routes of the app that are not the service's surface: the mock's own control API.
CONTROL_PREFIX = "/_mock/"
JSON_TYPES = {
    "string": str,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
    "object": dict,
    "array": list,
}


@cache
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_FILE.read_text("utf-8"))


@cache
def fixture() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text("utf-8"))


def normalised(path: str) -> str:
    return PLACEHOLDER.sub("{}", path)


def spec_operations() -> set[tuple[str, str]]:
    return {
        (method.upper(), normalised(path))
        for path, item in spec()["paths"].items()
        for method in METHODS
        if method in item
    }


def test_the_spec_is_valid_openapi_3_1():
    document = spec()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_the_mock_serves_the_spec_as_json_without_a_token(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == spec()


def test_every_route_is_in_the_spec_and_every_spec_operation_is_served(app):
    served = {
        (method, normalised(rule.rule))
        for rule in app.url_map.iter_rules()
        if not rule.rule.startswith(CONTROL_PREFIX)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served - spec_operations() == set(), "served but not in the spec"
    assert spec_operations() - served == set(), "in the spec but not served"


def test_every_operation_has_an_id_a_tag_and_documented_statuses():
    ids = []
    for path, item in spec()["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            where = f"{method.upper()} {path}"
            ids.append(operation.get("operationId"))
            assert operation.get("tags"), where
            statuses = set(operation["responses"])
            assert statuses & {"200", "201"}, where
            public = operation.get("security") == [] or path == "/oauth/v2/token"
            assert public or "401" in statuses, f"{where}: a bearer endpoint answers 401"
            if "{" in path:
                assert "404" in statuses, f"{where}: an unknown id is a 404"
            if "requestBody" in operation:
                assert {"400", "413"} <= statuses, f"{where}: bad and oversized bodies"
    assert None not in ids
    assert len(ids) == len(set(ids)), "operationIds are unique"


# The documented examples against the response schemas.


def resolve(schema: Any) -> Any:
    while isinstance(schema, dict) and "$ref" in schema:
        node: Any = spec()
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def flattened(schema: Any) -> dict[str, Any]:
    """A schema with its `allOf` parts merged in (properties, requirements, types)."""
    schema = resolve(schema)
    if not isinstance(schema, dict):
        return {}
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    merged["properties"] = dict(schema.get("properties", {}))
    merged["required"] = list(schema.get("required", []))
    for part in schema.get("allOf", []):
        inner = flattened(part)
        for name, sub in inner.get("properties", {}).items():
            merged["properties"].setdefault(name, sub)
        merged["required"] += inner.get("required", [])
        for key in ("type", "patternProperties", "additionalProperties", "items"):
            if key in inner and key not in merged:
                merged[key] = inner[key]
        if (
            inner.get("additionalProperties") is False
            or inner.get("unevaluatedProperties") is False
        ):
            merged.setdefault("closed", True)
    if merged.get("additionalProperties") is False or merged.get("unevaluatedProperties") is False:
        merged["closed"] = True
    return merged


def admitted_types(schema: dict[str, Any]) -> set[str] | None:
    """The JSON types a schema admits, or None when it does not restrict them."""
    if "type" in schema:
        declared = schema["type"]
        types = set(declared if isinstance(declared, list) else [declared])
        return types | {"number"} if "integer" in types else types
    values = [schema["const"]] if "const" in schema else schema.get("enum")
    if values is None:
        return None
    return {name for value in values for name, kind in JSON_TYPES.items() if _is(value, kind)}


def _is(value: Any, kind: Any) -> bool:
    if isinstance(value, bool):
        return kind is bool
    return isinstance(value, kind)


def value_schema(schema: dict[str, Any], key: str) -> Any:
    """The schema a key's value must meet, or None when the object does not allow the key."""
    if key in schema["properties"]:
        return schema["properties"][key]
    for pattern, sub in schema.get("patternProperties", {}).items():
        if re.search(pattern, key):
            return sub
    extra = schema.get("additionalProperties", not schema.get("closed", False))
    if extra is False or schema.get("closed"):
        return None
    return {} if extra is True else extra


def shape_problems(schema: Any, shape: Any, where: str) -> list[str]:
    """Why a documented shape does not fit a schema (empty when it fits)."""
    schema = flattened(schema)
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:
        own = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
        outcomes = [shape_problems({"allOf": [own, branch]}, shape, where) for branch in branches]
        return [] if any(not o for o in outcomes) else min(outcomes, key=len)
    types = admitted_types(schema)
    if isinstance(shape, str):
        documented = set(shape.split("|"))
        if types is not None and not documented <= types:
            return [f"{where}: documented {shape}, the spec admits {sorted(types)}"]
        return []
    kind = "array" if "items" in shape and len(shape) == 1 else "object"
    if types is not None and kind not in types:
        return [f"{where}: documented {kind}, the spec admits {sorted(types)}"]
    if kind == "array":
        items = shape["items"]
        return [] if items is None else shape_problems(schema.get("items", {}), items, f"{where}[]")
    if "map" in shape:
        return shape_problems(value_schema(schema, "*") or {}, shape["map"], f"{where}.*")
    problems = []
    documented_keys = shape["keys"]
    missing = set(schema["required"]) - set(documented_keys)
    if missing:
        problems.append(f"{where}: the spec requires keys never documented: {sorted(missing)}")
    for key, inner in documented_keys.items():
        sub = value_schema(schema, key)
        if sub is None:
            problems.append(f"{where}.{key}: documented, but not allowed by the spec")
        else:
            problems += shape_problems(sub, inner, f"{where}.{key}")
    return problems


def spec_path(url: str) -> str | None:
    """The spec path a documented URL calls (`/lists/{{list_id}}` → `/lists/{lid}`)."""
    segments = urlsplit(url).path.split("/")
    candidates = []
    for path in spec()["paths"]:
        template = path.split("/")
        if len(template) != len(segments):
            continue
        literal = 0
        for part, segment in zip(template, segments, strict=True):
            if part.startswith("{"):
                continue
            if part != segment or VARIABLE.search(segment):
                break
            literal += 1
        else:
            candidates.append((literal, path))
    return max(candidates)[1] if candidates else None


def response_schema(method: str, path: str, status: int) -> Any:
    responses = spec()["paths"][path][method.lower()]["responses"]
    assert str(status) in responses, f"{method} {path}: status {status} not documented"
    content = resolve(responses[str(status)]).get("content", {})
    assert "application/json" in content, f"{method} {path} {status}: no JSON answer"
    return content["application/json"]["schema"]


def not_served() -> set[tuple[str, str]]:
    text = README.read_text("utf-8")
    section = text[text.index("**Documented but deliberately not served**") :]
    return {(m, normalised(p)) for m, p in ENDPOINT.findall(section[: section.index("## ")])}


def documented_examples() -> list[dict[str, Any]]:
    return [e for e in fixture()["examples"] if e["response"] and e["status"]]


def example_id(entry: dict[str, Any]) -> str:
    return f"{entry['folder']}/{entry['request']}/{entry['example']}"


def test_documented_answers_outside_the_spec_are_the_ones_not_served():
    for entry in documented_examples():
        if spec_path(entry["url"]) is None:
            shape = normalised(VARIABLE.sub("{}", urlsplit(entry["url"]).path))
            assert (entry["method"], shape) in not_served(), f"{example_id(entry)}: not in spec"


@pytest.mark.parametrize(
    "entry", [e for e in documented_examples() if spec_path(e["url"])], ids=example_id
)
def test_a_documented_answer_fits_the_spec(entry):
    path = spec_path(entry["url"])
    schema = response_schema(entry["method"], path, entry["status"])
    problems = shape_problems(schema, entry["response"]["shape"], "body")
    assert not problems, "\n".join(problems)


def validation_problems(schema: Any, instance: Any) -> list[str]:
    """jsonschema's findings for an instance of a schema of the spec (formats checked)."""
    document = {**spec(), "$ref": "#/$defs/it", "$defs": {"it": schema}}
    checker = jsonschema.Draft202012Validator(
        document, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return [f"{list(e.absolute_path)}: {e.message}" for e in checker.iter_errors(instance)]


@pytest.mark.parametrize("error", fixture()["errors"], ids=lambda error: error["example"])
def test_a_documented_error_answer_validates_against_the_spec(error):
    path = spec_path(error["url"])
    assert path is not None
    schema = response_schema(error["method"], path, error["status"])
    problems = validation_problems(schema, error["response"])
    assert not problems, problems


# Values for the collection's variables in request bodies.
VARIABLES = {
    "list_id": "abcd1234",
    "group_id": "efgh5678",
    "recipient_id": "ijkl9012",
    "file_id": "mnop3456",
    "attribute_name": "New_Attribute",
    "username": "demo@example.org",
    "password": "demo-password",
    "refresh_token": "a-refresh-token",
}


def documented_requests() -> list[dict[str, Any]]:
    return [e for e in fixture()["examples"] if (e["body"] or {}).get("raw")]


@pytest.mark.parametrize(
    "entry", [e for e in documented_requests() if spec_path(e["url"])], ids=example_id
)
def test_a_documented_request_body_is_valid_input(entry):
    """What the vendor's own examples send is valid input by the spec's request schemas."""
    path = spec_path(entry["url"])
    body = spec()["paths"][path][entry["method"].lower()]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    raw = VARIABLE.sub(lambda m: VARIABLES[m.group(0).strip("{}")], entry["body"]["raw"])
    problems = validation_problems(schema, json.loads(raw))
    assert not problems, problems


def test_the_shape_check_notices_what_it_should():
    """The checker itself: an undeclared key, a wrong type, a missing required key."""
    envelope = {"$ref": "#/components/schemas/ListPage"}
    ok = {
        "keys": {
            "status": "number",
            "info": {"keys": {"count": "number"}},
            "value": {"items": None},
        }
    }
    assert shape_problems(envelope, ok, "body") == []
    extra = {"keys": {**ok["keys"], "surprise": "string"}}
    assert shape_problems(envelope, extra, "body") == [
        "body.surprise: documented, but not allowed by the spec"
    ]
    wrong = {"keys": {**ok["keys"], "status": "string"}}
    assert shape_problems(envelope, wrong, "body")
    missing = {"keys": {"status": "number", "value": {"items": None}}}
    assert shape_problems(envelope, missing, "body")


def test_the_validation_notices_what_it_should():
    """The validator itself: references resolve, patterns and formats are checked."""
    create_list = {"$ref": "#/components/schemas/ListCreate"}
    assert validation_problems(create_list, {"name": "Weekly", "header_from_email": None}) == []
    assert validation_problems(create_list, {"name": "   "})
    assert validation_problems(create_list, {"name": "Weekly", "header_from_email": "nobody"})
