"""Address books: /lists and /lists/{lid}."""

import re

import pytest

ALL_FIELDS = {
    "name": "Everything set",
    "is_disabled": True,
    "uses_econda": True,
    "uses_googleanalytics": True,
    "has_opentracking": False,
    "has_clicktracking": False,
    "has_conversiontracking": False,
    "imprint": "http://example.org/imprint",
    "landingpage": "http://example.org/unsubscribed",
    "tracking_url": "http://example.org/track",
    "header_from_email": "from@example.org",
    "header_from_name": "From Name",
    "header_reply_email": "reply@example.org",
    "header_reply_name": "Reply Name",
    "use_ecg_list": True,
}
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000")
ID = re.compile(r"[a-z0-9]{8}")


def details(api, list_id, query=""):
    response = api.get(f"/lists/{list_id}{query}")
    assert response.status_code == 200
    return response.get_json()["value"][0]


def test_create_answers_201_with_href_and_id(api):
    response = api.post("/lists", json={"name": "My new List"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == 201
    assert body["info"] == {"count": 1}
    [created] = body["value"]
    assert set(created) == {"_href", "id"}
    assert ID.fullmatch(created["id"])
    assert created["_href"] == f"http://localhost/lists/{created['id']}"


def test_created_list_has_the_documented_defaults(api):
    shown = details(api, api.create_list("Defaults"))
    assert shown["has_opentracking"] is True
    assert shown["has_clicktracking"] is True
    assert shown["is_disabled"] is False
    assert shown["uses_econda"] is False
    assert shown["uses_googleanalytics"] is False
    assert shown["use_ecg_list"] is False
    assert TIMESTAMP.fullmatch(shown["created_at"])
    assert shown["created_at"] == shown["modified_at"]
    assert ID.fullmatch(shown["company_id"])
    assert "imprint" not in shown  # unset fields are left out, as the service does


def test_every_documented_field_round_trips(api):
    list_id = api.create_list(
        **{k: v for k, v in ALL_FIELDS.items() if k != "name"}, name=ALL_FIELDS["name"]
    )
    shown = details(api, list_id)
    for name, value in ALL_FIELDS.items():
        assert shown[name] == value, name


def test_patch_changes_only_the_given_fields_and_modified_at(api, clock):
    list_id = api.create_list("Before", imprint="http://example.org/i")
    clock.advance(60)
    response = api.patch(f"/lists/{list_id}", json={"name": "After", "has_opentracking": False})
    assert response.status_code == 200
    assert response.get_json() == {"status": 200, "info": {"count": 1}, "value": []}
    shown = details(api, list_id)
    assert shown["name"] == "After"
    assert shown["has_opentracking"] is False
    assert shown["imprint"] == "http://example.org/i"
    assert shown["modified_at"] > shown["created_at"]


def test_null_values_are_treated_as_not_given(api):
    list_id = api.create_list("Nulls", imprint="http://example.org/i", tracking_url=None)
    api.patch(f"/lists/{list_id}", json={"name": None, "imprint": None})
    shown = details(api, list_id)
    assert shown["name"] == "Nulls"
    assert shown["imprint"] == "http://example.org/i"
    assert "tracking_url" not in shown


def test_collection_shows_only_href_and_id_unless_expanded(api):
    api.create_list("One")
    plain = api.get("/lists").get_json()
    assert all(set(item) == {"_href", "id"} for item in plain["value"])
    assert plain["info"]["count"] == 2  # the default list and "One"
    assert plain["info"]["links"]["_href"] == "http://localhost/lists?_limit=50&_offset=0"
    for expand in ("true", "1", "TRUE"):
        expanded = api.get(f"/lists?_expand={expand}").get_json()
        assert {item["name"] for item in expanded["value"]} == {"Default", "One"}


def test_fields_selects_fields(api):
    list_id = api.create_list("Chosen", imprint="http://example.org/i")
    shown = details(api, list_id, "?_fields=name,imprint")
    assert shown == {
        "_href": f"http://localhost/lists/{list_id}",
        "id": list_id,
        "name": "Chosen",
        "imprint": "http://example.org/i",
    }


def test_filter_on_lists(api):
    api.create_list("Alpha")
    api.create_list("Beta")
    body = api.get('/lists?_filter=name=like="al%25"&_expand=1').get_json()
    assert [item["name"] for item in body["value"]] == ["Alpha"]
    assert body["info"]["count"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 65}, "name"),
        ({"name": 12}, "name"),
        ({"name": "ok", "has_opentracking": "yes"}, "has_opentracking"),
        ({"name": "ok", "header_from_email": "not an address"}, "header_from_email"),
    ],
)
def test_invalid_list_is_422_naming_the_field(api, body, field):
    before = api.get("/lists").get_json()["info"]["count"]
    response = api.post("/lists", json=body)
    assert response.status_code == 422
    error = response.get_json()
    assert error["code"] == 10003
    assert error["errorMessage"] == "Error during input validation"
    assert [e["fieldName"] for e in error["moreInfo"]["errors"]] == [field]
    assert api.get("/lists").get_json()["info"]["count"] == before


def test_name_of_64_characters_is_fine(api):
    assert details(api, api.create_list("x" * 64))["name"] == "x" * 64


def test_umlauts_survive(api):
    assert details(api, api.create_list("Wöchentliches Update"))["name"] == "Wöchentliches Update"


def test_patch_with_invalid_value_changes_nothing(api):
    list_id = api.create_list("Stable")
    response = api.patch(f"/lists/{list_id}", json={"name": "y" * 65})
    assert response.status_code == 422
    assert details(api, list_id)["name"] == "Stable"


def test_delete_removes_the_list_and_its_recipients(api):
    list_id = api.create_list("Doomed")
    [recipient_id] = api.add(list_id, {"email": "gone@example.org"})
    response = api.delete(f"/lists/{list_id}")
    assert response.status_code == 200
    assert response.get_json() == {"status": 200, "info": {"count": 1}, "value": []}
    assert api.get(f"/lists/{list_id}").status_code == 404
    assert api.get(f"/recipients/{recipient_id}").status_code == 404
    assert api.get("/recipients").get_json()["info"]["count"] == 0


def test_the_default_list_cannot_be_deleted(api):
    default = api.default_list_id()
    response = api.delete(f"/lists/{default}")
    assert response.status_code == 400
    assert api.get(f"/lists/{default}").status_code == 200


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_unknown_list_is_404(api, method):
    response = getattr(api, method)("/lists/zzzzzzzz", json={"name": "x"})
    assert response.status_code == 404
    body = response.get_json()
    assert body["status"] == 404
    assert body["code"] == 404
    assert "zzzzzzzz" in body["errorMessage"]


def test_lists_of_another_account_are_invisible(api, other_api):
    theirs = other_api.create_list("Theirs")
    assert api.get(f"/lists/{theirs}").status_code == 404
    assert api.patch(f"/lists/{theirs}", json={"name": "Mine"}).status_code == 404
    assert api.delete(f"/lists/{theirs}").status_code == 404
    ids = [item["id"] for item in api.get("/lists").get_json()["value"]]
    assert theirs not in ids
    assert details(other_api, theirs)["name"] == "Theirs"
