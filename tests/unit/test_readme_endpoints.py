"""The README's endpoint list is the mock's URL map: nothing served goes unlisted, and back."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
ENDPOINT = re.compile(r"`(GET|POST|PATCH|PUT|DELETE) (/[^`\s]*)`")
PARAMETER = re.compile(r"\{[^}]+\}|<[^>]+>")


def normalised(path: str) -> str:
    return PARAMETER.sub("{}", path)


def readme_section(start: str, stop: str) -> str:
    text = README.read_text("utf-8")
    return text[text.index(start) : text.index(stop)]


def test_every_served_endpoint_is_listed_and_every_listed_one_is_served(app):
    section = readme_section("## Endpoints", "**Documented but deliberately not served**")
    listed = {(method, normalised(path)) for method, path in ENDPOINT.findall(section)}
    served = {
        (method, normalised(rule.rule))
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served - listed == set(), "served but not in the README"
    assert listed - served == set(), "in the README but not served"


def test_the_endpoints_listed_as_not_served_are_404(api):
    section = readme_section("**Documented but deliberately not served**", "## Layout")
    not_served = ENDPOINT.findall(section)
    assert len(not_served) == 8
    for method, path in not_served:
        concrete = PARAMETER.sub("abcdefgh", path)
        response = api.client.open(concrete, method=method, headers=api.headers(), json={})
        assert response.status_code == 404, (method, path)
        assert response.get_json() == {"status": 404, "code": 404, "errorMessage": "Not Found"}
