"""The common GET parameters over HTTP: limits, expansion, fields and each filter operator."""

from urllib.parse import quote

import pytest

PEOPLE = [
    {
        "email": "max@example.org",
        "first_name": "Max",
        "last_name": "Mustermann",
        "rating": 4,
        "gender": "m",
    },
    {
        "email": "erika@example.org",
        "first_name": "Erika",
        "last_name": "Mustermann",
        "rating": 2,
        "gender": "f",
    },
    {
        "email": "otto@test.org",
        "first_name": "Otto",
        "last_name": "Otto",
        "rating": 0,
        "is_unsubscribed": True,
    },
]


@pytest.fixture
def list_id(api):
    list_id = api.create_list("People")
    api.add(list_id, *PEOPLE)
    return list_id


def emails(api, list_id, flt):
    response = api.get(f"/lists/{list_id}/recipients?_expand=1&_filter={quote(flt)}")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["info"]["count"] == len(body["value"])
    return sorted(item["email"].split("@")[0] for item in body["value"])


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ('first_name=="Max"', ["max"]),
        ('first_name=="max"', ["max"]),
        ('last_name=ne="Mustermann"', ["otto"]),
        ('rating=gt="2"', ["max"]),
        ('rating=ge="2"', ["erika", "max"]),
        ('rating=lt="2"', ["otto"]),
        ('rating=le="2"', ["erika", "otto"]),
        ('email=like="%example%"', ["erika", "max"]),
        ('email=LIKE="%example%"', ["erika", "max"]),
        ('email=like="m_x@%"', ["max"]),
        ('email=nlike="%example%"', ["otto"]),
        ('email=contains="test"', ["otto"]),
        ('email=ncontains="test"', ["erika", "max"]),
        ('email=in=("max@example.org","otto@test.org")', ["max", "otto"]),
        ('email=nin=("max@example.org","otto@test.org")', ["erika"]),
        ('is_unsubscribed=="true"', ["otto"]),
        ('gender=="m";rating=gt="1"', ["max"]),
        ('gender=="f",first_name=="Otto"', ["erika", "otto"]),
        ('(gender=="f",gender=="m");last_name=="Mustermann"', ["erika", "max"]),
        ("first_name==last_name", ["otto"]),
    ],
)
def test_each_filter_operator(api, list_id, flt, expected):
    assert emails(api, list_id, flt) == expected


def test_membership_operators_on_array_fields(api, list_id):
    assert emails(api, list_id, f'list_ids=contains="{list_id}"') == ["erika", "max", "otto"]
    assert emails(api, list_id, f'"{list_id}"=in=list_ids') == ["erika", "max", "otto"]
    assert emails(api, list_id, f'"{list_id}"=nin=list_ids') == []
    assert emails(api, list_id, 'group_ids=ncontains="abcdefgh"') == ["erika", "max", "otto"]


def test_filter_on_a_custom_attribute(api, list_id):
    api.add(list_id, {"email": "max@example.org", "Plan": "premium"})
    assert emails(api, list_id, 'Plan=="premium"') == ["max"]


@pytest.mark.parametrize(
    "flt",
    [
        'first_name=="Max',
        "first_name==",
        '=="Max"',
        'first_name=foo="x"',
        '(first_name=="Max"',
        'first_name=="Max");',
        'first_name=="Max";',
        '"a"=="b"',
        "((((",
        ";",
    ],
)
def test_malformed_filter_is_400(api, list_id, flt):
    response = api.get(f"/lists/{list_id}/recipients?_filter={quote(flt)}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["status"] == 400
    assert body["code"] == 400
    assert body["errorMessage"].startswith("Bad Request (invalid _filter")


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_unknown_field_in_filter_is_400_and_changes_nothing(api, list_id, method):
    unknown = quote('no_such_field=="x"')
    response = getattr(api, method)(
        f"/lists/{list_id}/recipients?_filter={unknown}",
        json={"first_name": "Changed"},
    )
    assert response.status_code == 400
    assert "no_such_field" in response.get_json()["errorMessage"]
    assert emails(api, list_id, 'first_name=="Changed"') == []
    assert api.get(f"/lists/{list_id}/recipients").get_json()["info"]["count"] == 3


@pytest.mark.parametrize(
    "query",
    [
        "_limit=-1",
        "_limit=abc",
        "_limit=1.5",
        "_limit=100001",
        "_offset=-3",
        "_offset=x",
        "_expand=maybe",
    ],
)
@pytest.mark.parametrize("path", ["/lists", "/recipients"])
def test_bad_paging_parameters_are_400(api, query, path):
    response = api.get(f"{path}?{query}")
    assert response.status_code == 400
    assert response.get_json()["status"] == 400


def test_limit_and_offset(api, list_id):
    body = api.get(f"/lists/{list_id}/recipients?_limit=1&_offset=1&_expand=true").get_json()
    assert [item["email"] for item in body["value"]] == ["erika@example.org"]
    assert body["info"]["count"] == 3
    assert body["info"]["links"]["_next"].endswith("_limit=1&_offset=2&_expand=true")
    empty = api.get(f"/lists/{list_id}/recipients?_offset=10").get_json()
    assert empty["value"] == []
    assert empty["info"]["count"] == 3


def test_links_echo_the_filter_and_fields(api, list_id):
    flt = 'email=like="%example%"'
    body = api.get(
        f"/lists/{list_id}/recipients?_fields=email&_filter={quote(flt)}&_limit=1"
    ).get_json()
    assert body["info"]["links"]["_href"] == (
        f"http://localhost/lists/{list_id}/recipients?_limit=1&_offset=0"
        "&_filter=email%3Dlike%3D%22%25example%25%22&_fields=email"
    )
    assert body["value"][0].keys() == {"_href", "id", "email"}


def test_fields_includes_custom_attributes_and_skips_unset_ones(api, list_id):
    api.add(list_id, {"email": "max@example.org", "Plan": "premium"})
    body = api.get(f"/lists/{list_id}/recipients?_fields=email,Plan").get_json()
    shown = {item["email"]: item.get("Plan") for item in body["value"]}
    assert shown == {"max@example.org": "premium", "erika@example.org": None, "otto@test.org": None}
