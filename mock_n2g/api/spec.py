"""`GET /openapi.json`: the mock's OpenAPI contract (`mock_n2g/openapi.yaml`), public."""

from functools import cache
from importlib import resources
from typing import Any

import yaml
from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

SPEC_FILE = "openapi.yaml"

blueprint = Blueprint("spec", __name__)


@cache
def document() -> dict[str, Any]:
    """The contract, read once per process."""
    text = resources.files("mock_n2g").joinpath(SPEC_FILE).read_text("utf-8")
    return yaml.safe_load(text)


@blueprint.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(document())
