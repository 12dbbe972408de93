"""Distil the vendor's Postman collection into the compact fixture of the conformance suite.

Reads the collection and the documented error examples and writes
`tests/fixtures/n2g_examples.json`: for every documented request and example the request as the
example sent it (Postman `{{variables}}` kept) and the KEY STRUCTURE of the documented response,
never its data. `--check` exits 1 when the committed fixture is not what the sources give.

Shapes: a scalar is its JSON type (`"string"`, `"null|string"` when examples differ); an object is
`{"keys": {name: shape}}` plus `"required"` when some keys are missing in some merged instance; an
object whose entries each carry their own key as `name` (the form's `attributes`) is
`{"map": shape of an entry}`; an array is `{"items": merged shape of its elements}`, `null` when
empty. Containers nested deeper than MAX_DEPTH become a plain `"object"` / `"array"` leaf.
"""

import argparse
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "n2g-api"
DEFAULT_COLLECTION = SHARED / "newsletter2go-api.postman_collection.json"
DEFAULT_ERRORS = SHARED / "documented-error-examples.json"
DEFAULT_OUTPUT = ROOT / "tests" / "fixtures" / "n2g_examples.json"

VENDOR_BASE = "https://api.newsletter2go.com"
KEPT_HEADERS = ("Authorization", "Content-Type")
ID = re.compile(r"[a-z0-9]{8}")
VARIABLE = re.compile(r"{{\w+}}")
MAX_DEPTH = 8
LINK_KEYS = ("_href", "_next", "_last")

Json = Any


def raw_url(request: dict[str, Any]) -> str:
    url = request["url"]
    return url if isinstance(url, str) else url["raw"]


def path_and_query(url: str) -> str:
    """The URL without the vendor's base: `/lists/{{list_id}}/recipients?_filter=...`."""
    if not url.startswith(VENDOR_BASE + "/"):
        raise ValueError(f"not on {VENDOR_BASE}: {url}")
    return url[len(VENDOR_BASE) :]


def link_shape(link: str, words: frozenset[str]) -> str:
    """A link without base and ids: `/lists/{id}/recipients?_limit=50&_offset=0`."""
    parts = urlsplit(link)
    segments = [
        "{id}" if VARIABLE.fullmatch(s) or (ID.fullmatch(s) and s not in words) else s
        for s in parts.path.split("/")
    ]
    query = VARIABLE.sub("{id}", parts.query)
    return "/".join(segments) + (f"?{query}" if query else "")


def scalar_type(value: Json) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return "number" if isinstance(value, int | float) else "string"


def is_map(value: dict[str, Any]) -> bool:
    """An object keyed by its entries' names, like the form's `attributes`."""
    return bool(value) and all(
        isinstance(entry, dict) and entry.get("name") == key for key, entry in value.items()
    )


def shape(value: Json, depth: int = 0) -> Json:
    """The key structure of a JSON value (see the module docstring)."""
    if isinstance(value, dict):
        if depth >= MAX_DEPTH:
            return "object"
        if is_map(value):
            return {"map": merge([shape(entry, depth + 1) for entry in value.values()])}
        return {"keys": {key: shape(item, depth + 1) for key, item in value.items()}}
    if isinstance(value, list):
        if depth >= MAX_DEPTH:
            return "array"
        return {"items": merge([shape(item, depth + 1) for item in value]) if value else None}
    return scalar_type(value)


def kind_of(shape: Json) -> str:
    if isinstance(shape, str):
        return "scalar"
    return "map" if "map" in shape else "items" if "items" in shape else "keys"


def merge(shapes: list[Json]) -> Json:
    """One shape that every given shape fits: keys united, `required` the keys all have."""
    if len(shapes) == 1:
        return shapes[0]
    if all(isinstance(s, str) for s in shapes):
        return "|".join(sorted({part for s in shapes for part in s.split("|")}))
    kinds = {kind_of(s) for s in shapes}
    if len(kinds) != 1:
        raise ValueError(f"cannot merge shapes of different kinds: {shapes!r}")
    kind = kinds.pop()
    if kind == "map":
        return {"map": merge([s["map"] for s in shapes])}
    if kind == "items":
        present = [s["items"] for s in shapes if s["items"] is not None]
        return {"items": merge(present) if present else None}
    names = sorted({name for s in shapes for name in s["keys"]})
    merged: dict[str, Json] = {
        "keys": {n: merge([s["keys"][n] for s in shapes if n in s["keys"]]) for n in names}
    }
    required = [n for n in names if all(n in s.get("required", s["keys"]) for s in shapes)]
    if required != names:
        merged["required"] = required
    return merged


def response_summary(method: str, body: Json, words: frozenset[str]) -> dict[str, Any]:
    """The documented response as the suite compares it: shape, link shapes, change count."""
    summary: dict[str, Any] = {"shape": shape(body)}
    if not isinstance(body, dict):
        return summary
    if "value" not in body:  # no envelope: the token and the import upload answers
        summary["values"] = {
            k: v
            for k, v in body.items()
            if not k.endswith("_token") and not (isinstance(v, str) and ID.fullmatch(v))
        }
        summary["ids"] = sorted(
            k for k, v in body.items() if isinstance(v, str) and ID.fullmatch(v)
        )
        summary["tokens"] = sorted(k for k in body if k.endswith("_token"))
        return summary
    links = body.get("info", {}).get("links", {})
    summary["links"] = {k: link_shape(links[k], words) for k in LINK_KEYS if k in links}
    hrefs = {
        link_shape(item["_href"], words)
        for item in body["value"]
        if isinstance(item, dict) and "_href" in item
    }
    summary["hrefs"] = sorted(hrefs)
    if method != "GET":
        summary["count"] = body["info"]["count"]
    return summary


def request_body(request: dict[str, Any]) -> dict[str, Any] | None:
    body = request.get("body") or {}
    if body.get("mode") == "raw" and body["raw"].strip():
        return {"raw": body["raw"]}
    if body.get("mode") == "formdata" and body["formdata"]:
        return {"formdata": [{"key": f["key"], "type": f["type"]} for f in body["formdata"]]}
    return None


def documented_calls(collection: dict[str, Any]) -> Iterator[tuple[str, dict, dict | None]]:
    """(folder, request item, example or None) in the collection's order."""
    for folder in collection["item"]:
        for item in folder["item"]:
            for example in item.get("response") or [None]:
                yield folder["name"], item, example


def path_words(collection: dict[str, Any]) -> frozenset[str]:
    """Literal path segments of the documented requests: words, never ids (`versions`)."""
    words = set()
    for _, item, _ in documented_calls(collection):
        path = urlsplit(raw_url(item["request"])).path
        words.update(s for s in path.split("/") if s and not VARIABLE.fullmatch(s))
    return frozenset(words)


def example_entry(folder: str, item: dict, example: dict | None, words: frozenset[str]) -> dict:
    request = (example or {}).get("originalRequest") or item["request"]
    headers = {
        h["key"]: h["value"]
        for h in request.get("header", [])
        if not h.get("disabled") and h["key"] in KEPT_HEADERS
    }
    body = (example or {}).get("body") or ""
    documented = json.loads(body) if body.strip() else None
    return {
        "folder": folder,
        "request": item["name"],
        "example": example["name"] if example else None,
        "method": request["method"],
        "url": path_and_query(raw_url(request)),
        "headers": headers,
        "body": request_body(request),
        "status": example.get("code") if example else None,
        "response": None
        if documented is None
        else response_summary(request["method"], documented, words),
    }


def error_entry(error: dict[str, Any]) -> dict[str, Any]:
    return {
        "request": error["request_name"],
        "example": error["example_name"],
        "method": error["method"],
        "url": path_and_query(error["url"]),
        "body": error["request_body"],
        "status": error["status"],
        "response": json.loads(error["response_body"]),
    }


def build(collection: dict[str, Any], errors: list[dict[str, Any]]) -> dict[str, Any]:
    words = path_words(collection)
    examples = [example_entry(*call, words) for call in documented_calls(collection)]
    return {
        "source": {
            "collection": collection["info"]["name"],
            "postman_id": collection["info"]["_postman_id"],
            "base_url": VENDOR_BASE,
            "requests": sum(len(folder["item"]) for folder in collection["item"]),
            "recorded_examples": sum(1 for e in examples if e["example"] is not None),
        },
        "path_words": sorted(words),
        "examples": examples,
        "errors": [error_entry(error) for error in errors],
    }


def render(fixture: dict[str, Any]) -> str:
    return json.dumps(fixture, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collection", type=Path, default=DEFAULT_COLLECTION)
    parser.add_argument("--errors", type=Path, default=DEFAULT_ERRORS)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the output file is out of date"
    )
    args = parser.parse_args(argv)
    collection = json.loads(args.collection.read_text("utf-8"))
    errors = json.loads(args.errors.read_text("utf-8"))
    text = render(build(collection, errors))
    if args.check:
        current = args.output.read_text("utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date: run {Path(__file__).name}", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.write_text(text, "utf-8")
    print(f"wrote {args.output} ({len(text.encode())} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
