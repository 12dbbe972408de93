"""Segments (groups): static and dynamic, members, and `group_ids` on recipients."""

from urllib.parse import quote

import pytest


@pytest.fixture
def list_id(api):
    return api.create_list("Segmented")


@pytest.fixture
def people(api, list_id):
    return api.add(
        list_id,
        {"email": "anna@example.org", "first_name": "Anna"},
        {"email": "ben@example.org", "first_name": "Ben"},
        {"email": "carl@test.org", "first_name": "Carl"},
    )


def create_group(api, list_id, name="Regular", **fields):
    response = api.post("/groups", json={"list_id": list_id, "name": name, **fields})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["value"][0]["id"]


def member_emails(api, list_id, group_id, query="?_expand=1"):
    response = api.get(f"/lists/{list_id}/groups/{group_id}/recipients{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return sorted(item["email"] for item in response.get_json()["value"])


def test_create_answers_201_and_the_segment_is_listed(api, list_id):
    response = api.post("/groups", json={"list_id": list_id, "name": "New", "is_dynamic": False})
    assert response.status_code == 201
    [created] = response.get_json()["value"]
    assert created["_href"] == f"http://localhost/groups/{created['id']}"
    listing = api.get(f"/lists/{list_id}/groups?_expand=true").get_json()
    assert listing["info"]["count"] == 1
    assert listing["info"]["links"]["_href"].endswith(
        f"/lists/{list_id}/groups?_limit=50&_offset=0&_expand=true"
    )
    [shown] = listing["value"]
    assert (shown["name"], shown["is_dynamic"], shown["list_id"]) == ("New", False, list_id)
    assert "filter" not in shown


def test_duplicate_name_in_the_same_list_is_1062(api, list_id):
    create_group(api, list_id, "VIP")
    response = api.post("/groups", json={"list_id": list_id, "name": "vip"})
    assert response.status_code == 400
    assert response.get_json() == {
        "status": 400,
        "code": 1062,
        "errorMessage": 'Duplicate value "vip" for column "name"',
    }
    other_list = api.create_list("Other")
    assert api.post("/groups", json={"list_id": other_list, "name": "VIP"}).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "No list"}, "list_id"),
        ({"list_id": "LIST"}, "name"),
        ({"list_id": "LIST", "name": "x", "is_dynamic": "yes"}, "is_dynamic"),
        ({"list_id": "LIST", "name": "Dyn", "is_dynamic": True}, "filter"),
        ({"list_id": "LIST", "name": "Static", "filter": 'email=like="%a%"'}, "filter"),
    ],
)
def test_invalid_segment_is_422(api, list_id, body, field):
    body = {k: (list_id if v == "LIST" else v) for k, v in body.items()}
    response = api.post("/groups", json=body)
    assert response.status_code == 422
    assert response.get_json()["moreInfo"]["errors"][0]["fieldName"] == field
    assert api.get(f"/lists/{list_id}/groups").get_json()["info"]["count"] == 0


@pytest.mark.parametrize("flt", ['email=like="%a%', 'nope=="x"', 'group_ids=contains="abcdefgh"'])
def test_bad_dynamic_filter_is_400(api, list_id, flt):
    response = api.post(
        "/groups", json={"list_id": list_id, "name": "Dyn", "is_dynamic": True, "filter": flt}
    )
    assert response.status_code == 400
    assert response.get_json()["code"] == 400


def test_unknown_list_is_404(api):
    assert api.post("/groups", json={"list_id": "zzzzzzzz", "name": "x"}).status_code == 404


def test_add_one_member_and_read_it_back(api, list_id, people):
    group_id = create_group(api, list_id)
    path = f"/lists/{list_id}/groups/{group_id}/recipients"
    response = api.post(f"{path}/{people[0]}")
    assert response.status_code == 201
    assert response.get_json() == {"status": 201, "info": {"count": 1}, "value": []}
    body = api.get(path).get_json()
    assert body["info"]["count"] == 1
    assert body["info"]["additional"] == {"active": 1}
    assert [item["id"] for item in body["value"]] == [people[0]]
    shown = api.get(f"/lists/{list_id}/recipients/{people[0]}").get_json()["value"][0]
    assert shown["group_ids"] == [group_id]


def test_add_and_remove_many_by_filter(api, list_id, people):
    group_id = create_group(api, list_id)
    path = f"/lists/{list_id}/groups/{group_id}/recipients"
    flt = quote('email=LIKE="%example%"')
    response = api.post(f"{path}?_filter={flt}")
    assert response.status_code == 201
    assert response.get_json()["info"]["count"] == 2
    assert member_emails(api, list_id, group_id) == ["anna@example.org", "ben@example.org"]
    again = api.post(f"{path}?_filter={flt}")
    assert again.get_json()["info"]["count"] == 0  # already members
    ben = quote('first_name=="Ben"')
    removed = api.delete(f"{path}?_filter={ben}")
    assert removed.get_json() == {"status": 200, "info": {"count": 1}, "value": []}
    assert member_emails(api, list_id, group_id) == ["anna@example.org"]
    assert api.post(path).get_json()["info"]["count"] == 2  # no filter: the whole list


def test_group_ids_filters_work_both_ways(api, list_id, people):
    group_id = create_group(api, list_id)
    api.post(f"/lists/{list_id}/groups/{group_id}/recipients/{people[1]}")
    for flt in (f'group_ids=contains="{group_id}"', f'"{group_id}"=in=group_ids'):
        body = api.get(f"/lists/{list_id}/recipients?_expand=1&_filter={quote(flt)}").get_json()
        assert [item["email"] for item in body["value"]] == ["ben@example.org"]
    flt = quote(f'group_ids=ncontains="{group_id}"')
    assert api.get(f"/lists/{list_id}/recipients?_filter={flt}").get_json()["info"]["count"] == 2


def test_dynamic_segment_members_are_whoever_matches_at_read_time(api, list_id, people):
    group_id = create_group(
        api, list_id, "Examples", is_dynamic=True, filter='email=LIKE="%example%"'
    )
    assert member_emails(api, list_id, group_id) == ["anna@example.org", "ben@example.org"]
    api.add(list_id, {"email": "dora@example.org"})
    api.patch(f"/lists/{list_id}/recipients/{people[0]}", json={"email": "anna@test.org"})
    assert member_emails(api, list_id, group_id) == ["ben@example.org", "dora@example.org"]
    shown = api.get(f"/lists/{list_id}/recipients/{people[1]}").get_json()["value"][0]
    assert shown["group_ids"] == [group_id]
    flt = quote(f'"{group_id}"=in=group_ids')
    assert api.get(f"/lists/{list_id}/recipients?_filter={flt}").get_json()["info"]["count"] == 2
    detail = api.get(f"/groups/{group_id}").get_json()["value"][0]
    assert detail["filter"] == 'email=LIKE="%example%"'


def test_members_cannot_be_added_to_or_removed_from_a_dynamic_segment(api, list_id, people):
    group_id = create_group(api, list_id, "Dyn", is_dynamic=True, filter='first_name=="Anna"')
    path = f"/lists/{list_id}/groups/{group_id}/recipients"
    for response in (api.post(f"{path}/{people[1]}"), api.post(path), api.delete(path)):
        assert response.status_code == 400
        assert "dynamic segment" in response.get_json()["errorMessage"]
    assert member_emails(api, list_id, group_id) == ["anna@example.org"]


def test_patch_renames_and_refilters(api, list_id, people):
    static = create_group(api, list_id, "Old")
    dynamic = create_group(api, list_id, "Dyn", is_dynamic=True, filter='first_name=="Anna"')
    assert api.patch(f"/groups/{static}", json={"name": "New"}).get_json()["info"]["count"] == 1
    assert api.get(f"/groups/{static}").get_json()["value"][0]["name"] == "New"
    assert api.patch(f"/groups/{static}", json={"name": "dyn"}).get_json()["code"] == 1062
    api.patch(f"/groups/{dynamic}", json={"filter": 'first_name=="Carl"'})
    assert member_emails(api, list_id, dynamic) == ["carl@test.org"]
    response = api.patch(f"/groups/{static}", json={"is_dynamic": True})
    assert response.status_code == 422
    assert api.patch(f"/groups/{dynamic}", json={"filter": "broken=="}).status_code == 400
    assert member_emails(api, list_id, dynamic) == ["carl@test.org"]


def test_delete_segment_keeps_the_recipients(api, list_id, people):
    group_id = create_group(api, list_id)
    api.post(f"/lists/{list_id}/groups/{group_id}/recipients")
    assert api.delete(f"/groups/{group_id}").get_json() == {
        "status": 200,
        "info": {"count": 1},
        "value": [],
    }
    assert api.get(f"/groups/{group_id}").status_code == 404
    assert api.get(f"/lists/{list_id}/groups/{group_id}/recipients").status_code == 404
    shown = api.get(f"/lists/{list_id}/recipients/{people[0]}").get_json()["value"][0]
    assert shown["group_ids"] == []
    assert api.get(f"/lists/{list_id}/recipients").get_json()["info"]["count"] == 3


def test_deleted_recipient_leaves_its_segments(api, list_id, people):
    group_id = create_group(api, list_id)
    api.post(f"/lists/{list_id}/groups/{group_id}/recipients")
    api.delete(f"/lists/{list_id}/recipients/{people[0]}")
    assert member_emails(api, list_id, group_id) == ["ben@example.org", "carl@test.org"]


def test_remove_one_member(api, list_id, people):
    group_id = create_group(api, list_id)
    path = f"/lists/{list_id}/groups/{group_id}/recipients"
    api.post(f"{path}/{people[2]}")
    assert api.delete(f"{path}/{people[2]}").get_json()["info"]["count"] == 1
    assert api.delete(f"{path}/{people[2]}").status_code == 404
    assert member_emails(api, list_id, group_id) == []


def test_deleting_the_list_deletes_its_segments(api, list_id, people):
    group_id = create_group(api, list_id)
    api.delete(f"/lists/{list_id}")
    assert api.get(f"/groups/{group_id}").status_code == 404


def test_segments_of_another_account_or_list_are_404(api, other_api, list_id, people):
    group_id = create_group(api, list_id)
    other_list = api.create_list("Other")
    assert api.get(f"/lists/{other_list}/groups/{group_id}/recipients").status_code == 404
    [foreign] = api.add(other_list, {"email": "x@example.org"})
    assert api.post(f"/lists/{list_id}/groups/{group_id}/recipients/{foreign}").status_code == 404
    assert other_api.get(f"/groups/{group_id}").status_code == 404
    assert other_api.patch(f"/groups/{group_id}", json={"name": "Mine"}).status_code == 404
    assert other_api.delete(f"/groups/{group_id}").status_code == 404
    assert other_api.get(f"/lists/{list_id}/groups").status_code == 404
    assert other_api.post("/groups", json={"list_id": list_id, "name": "x"}).status_code == 404
    assert api.get(f"/groups/{group_id}").get_json()["value"][0]["name"] == "Regular"
