"""Attributes: definitions, the documented validation errors, and values on recipients."""

from urllib.parse import quote

import pytest

NEW_ATTRIBUTE = {
    "name": "New_Attribute",
    "display": "all",
    "type": "text",
    "sub_type": "text",
    "is_enum": False,
    "is_public": False,
    "is_multiselect": False,
    "html_element_type": "input",
    "is_global": False,
    "default_value": "",
}


@pytest.fixture
def list_id(api):
    return api.create_list("With attributes")


def create(api, list_ids, **overrides):
    response = api.post("/attributes", json={"list_ids": list_ids, **NEW_ATTRIBUTE, **overrides})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["value"][0]["id"]


def test_create_answers_201_with_the_singular_href(api, list_id):
    response = api.post("/attributes", json={"list_ids": [list_id], **NEW_ATTRIBUTE})
    assert response.status_code == 201
    [item] = response.get_json()["value"]
    assert item["_href"] == f"http://localhost/attribute/{item['id']}"


def test_details_show_the_documented_fields(api, list_id):
    attribute_id = create(api, [list_id], default_value="x", is_enum=True)
    for path in (f"/attributes/{attribute_id}", f"/attribute/{attribute_id}"):
        [shown] = api.get(path).get_json()["value"]
        expected = {**NEW_ATTRIBUTE, "default_value": "x", "is_enum": True}
        assert {k: shown[k] for k in expected} == expected
        assert shown["list_ids"] == [list_id]
        assert shown["company_id"]


def test_defaults(api, list_id):
    response = api.post("/attributes", json={"list_ids": [list_id], "name": "Plain"})
    attribute_id = response.get_json()["value"][0]["id"]
    shown = api.get(f"/attributes/{attribute_id}").get_json()["value"][0]
    assert (shown["type"], shown["sub_type"], shown["display"]) == ("text", "text", "all")
    assert shown["html_element_type"] == "input"


def test_invalid_name_is_the_documented_422(api, list_id):
    response = api.post(
        "/attributes", json={"list_ids": [list_id], **NEW_ATTRIBUTE, "name": "New Attribute"}
    )
    assert response.status_code == 422
    assert response.get_json() == {
        "status": 422,
        "code": 10003,
        "errorMessage": "Error during input validation",
        "moreInfo": {
            "errors": [
                {
                    "code": 10003,
                    "fieldName": "name",
                    "message": "given name (New Attribute) for attribute is not allowed. "
                    "Only Characters, numbers and _ are supported",
                }
            ]
        },
    }


def test_duplicate_name_is_the_documented_1062(api, list_id):
    create(api, [list_id])
    response = api.post("/attributes", json={"list_ids": [list_id], **NEW_ATTRIBUTE})
    assert response.status_code == 400
    assert response.get_json() == {
        "status": 400,
        "code": 1062,
        "errorMessage": 'Duplicate value "New_Attribute" for column "name"',
    }


def test_a_standard_field_name_is_taken_too(api, list_id):
    response = api.post("/attributes", json={"list_ids": [list_id], "name": "email"})
    assert response.get_json()["code"] == 1062


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"type": "colour"}, "type"),
        ({"type": "number", "sub_type": "text"}, "sub_type"),
        ({"sub_type": "integer"}, "sub_type"),
        ({"html_element_type": "blink"}, "html_element_type"),
        ({"is_public": "no"}, "is_public"),
        ({"list_ids": []}, "list_ids"),
        ({"list_ids": "abc"}, "list_ids"),
        ({"name": None}, "name"),
    ],
)
def test_enums_and_types_are_validated(api, list_id, overrides, field):
    body = {"list_ids": [list_id], **NEW_ATTRIBUTE, **overrides}
    response = api.post("/attributes", json={k: v for k, v in body.items() if v is not None})
    assert response.status_code == 422
    assert field in [e["fieldName"] for e in response.get_json()["moreInfo"]["errors"]]
    assert api.get(f"/lists/{list_id}/attributes").get_json()["info"]["count"] == 0


def test_number_type_takes_its_sub_types(api, list_id):
    attribute_id = create(api, [list_id], name="Score", type="number", sub_type="float")
    assert api.get(f"/attributes/{attribute_id}").get_json()["value"][0]["sub_type"] == "float"


def test_unknown_list_is_404(api):
    response = api.post("/attributes", json={"list_ids": ["zzzzzzzz"], **NEW_ATTRIBUTE})
    assert response.status_code == 404


def test_list_attributes_of_a_list(api, list_id):
    other = api.create_list("Other")
    mine = create(api, [list_id])
    both = create(api, [list_id, other], name="Both")
    body = api.get(f"/lists/{list_id}/attributes").get_json()
    assert [item["id"] for item in body["value"]] == [mine, both]
    assert body["value"][0]["_href"] == f"http://localhost/attribute/{mine}"
    assert body["info"]["links"]["_href"].endswith(
        f"/lists/{list_id}/attributes?_limit=50&_offset=0"
    )
    assert [i["id"] for i in api.get(f"/lists/{other}/attributes").get_json()["value"]] == [both]


def test_values_appear_in_fields_and_expand_and_filters(api, list_id):
    create(api, [list_id])
    [recipient_id] = api.add(
        list_id, {"email": "a@example.org", "New_Attribute": "attribute value"}
    )
    path = f"/lists/{list_id}/recipients/{recipient_id}"
    assert (
        api.get(f"{path}?_fields=New_Attribute").get_json()["value"][0]["New_Attribute"]
        == "attribute value"
    )
    assert api.get(path).get_json()["value"][0]["New_Attribute"] == "attribute value"
    flt = quote('New_Attribute=="attribute value"')
    assert api.get(f"/lists/{list_id}/recipients?_filter={flt}").get_json()["info"]["count"] == 1


def test_a_defined_attribute_can_be_filtered_before_any_value_exists(api, list_id):
    create(api, [list_id], name="Fresh")
    flt = quote('Fresh=="x"')
    assert api.get(f"/lists/{list_id}/recipients?_filter={flt}").status_code == 200


def test_delete_removes_the_values_from_the_lists_contacts(api, list_id):
    other = api.create_list("Other")
    attribute_id = create(api, [list_id, other])
    [here] = api.add(list_id, {"email": "a@example.org", "New_Attribute": "here"})
    [there] = api.add(other, {"email": "a@example.org", "New_Attribute": "there"})
    response = api.delete(f"/lists/{list_id}/attributes/{attribute_id}")
    assert response.get_json() == {"status": 200, "info": {"count": 1}, "value": []}
    assert (
        "New_Attribute" not in api.get(f"/lists/{list_id}/recipients/{here}").get_json()["value"][0]
    )
    assert (
        api.get(f"/lists/{other}/recipients/{there}").get_json()["value"][0]["New_Attribute"]
        == "there"
    )
    assert api.get(f"/attributes/{attribute_id}").get_json()["value"][0]["list_ids"] == [other]
    assert api.delete(f"/lists/{list_id}/attributes/{attribute_id}").status_code == 404
    api.delete(f"/lists/{other}/attributes/{attribute_id}")
    assert api.get(f"/attributes/{attribute_id}").status_code == 404
    assert (
        "New_Attribute" not in api.get(f"/lists/{other}/recipients/{there}").get_json()["value"][0]
    )


def test_patch_renames_definition_and_values(api, list_id):
    attribute_id = create(api, [list_id])
    [recipient_id] = api.add(list_id, {"email": "a@example.org", "New_Attribute": "v"})
    response = api.patch(
        f"/attributes/{attribute_id}", json={"list_ids": [list_id], "name": "New_Name"}
    )
    assert response.get_json() == {"status": 200, "info": {"count": 1}, "value": []}
    assert api.get(f"/attributes/{attribute_id}").get_json()["value"][0]["name"] == "New_Name"
    shown = api.get(f"/lists/{list_id}/recipients/{recipient_id}").get_json()["value"][0]
    assert shown["New_Name"] == "v"
    assert "New_Attribute" not in shown


def test_patch_validates_like_create(api, list_id):
    attribute_id = create(api, [list_id])
    create(api, [list_id], name="Taken")
    assert api.patch(f"/attributes/{attribute_id}", json={"name": "bad name"}).status_code == 422
    assert (
        api.patch(f"/attributes/{attribute_id}", json={"name": "taken"}).get_json()["code"] == 1062
    )
    assert (
        api.patch(f"/attributes/{attribute_id}", json={"list_ids": ["zzzzzzzz"]}).status_code == 404
    )
    assert api.get(f"/attributes/{attribute_id}").get_json()["value"][0]["name"] == "New_Attribute"


def test_deleting_a_list_detaches_its_attributes(api, list_id):
    only_here = create(api, [list_id], name="Only_here")
    other = api.create_list("Other")
    shared = create(api, [list_id, other], name="Shared")
    api.delete(f"/lists/{list_id}")
    assert api.get(f"/attributes/{only_here}").status_code == 404
    assert api.get(f"/attributes/{shared}").get_json()["value"][0]["list_ids"] == [other]


def test_attributes_of_another_account_are_404(api, other_api, list_id):
    attribute_id = create(api, [list_id])
    assert other_api.get(f"/attributes/{attribute_id}").status_code == 404
    assert other_api.patch(f"/attributes/{attribute_id}", json={"name": "Mine"}).status_code == 404
    assert other_api.delete(f"/lists/{list_id}/attributes/{attribute_id}").status_code == 404
    assert other_api.get(f"/lists/{list_id}/attributes").status_code == 404
    assert (
        other_api.post("/attributes", json={"list_ids": [list_id], "name": "X"}).status_code == 404
    )
    other_list = other_api.create_list("Theirs")
    their = other_api.post("/attributes", json={"list_ids": [other_list], **NEW_ATTRIBUTE})
    assert their.status_code == 201  # names are unique per account, not across accounts
