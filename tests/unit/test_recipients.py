"""Recipients: upsert by e-mail, reading, changing and deleting, one by one and by filter."""

import json
import re

import pytest

JOHN = {
    "email": "john@example.org",
    "phone": "+49123456789",
    "gender": "m",
    "first_name": "John",
    "last_name": "Doe",
    "is_unsubscribed": False,
    "is_blacklisted": False,
}


def expanded(api, list_id, recipient_id, query=""):
    response = api.get(f"/lists/{list_id}/recipients/{recipient_id}{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["value"][0]


def listing(api, path):
    response = api.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


@pytest.fixture
def list_id(api):
    return api.create_list("Weekly news")


def test_one_object_answers_200(api, list_id):
    response = api.post("/recipients", json={"list_id": list_id, **JOHN})
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == 200
    assert body["info"] == {"count": 1, "additional": {"invalid_recipients": []}}
    [item] = body["value"]
    assert re.fullmatch(r"[a-z0-9]{8}", item["id"])
    assert item["_href"] == f"http://localhost/recipients/{item['id']}"


def test_an_array_answers_201(api, list_id):
    body = [{"list_id": list_id, **JOHN}, {"list_id": list_id, "email": "jane@example.org"}]
    response = api.post("/recipients", json=body)
    assert response.status_code == 201
    assert response.get_json()["status"] == 201
    assert response.get_json()["info"]["count"] == 2


def test_expanded_recipient_has_the_documented_fields(api, list_id):
    [recipient_id] = api.add(list_id, JOHN)
    shown = expanded(api, list_id, recipient_id)
    for name, value in JOHN.items():
        assert shown[name] == value, name
    assert shown["is_bounced"] is False
    assert shown["list_ids"] == [list_id]
    assert shown["group_ids"] == []
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000", shown["created_at"])


@pytest.mark.parametrize("variant", ["JOHN@EXAMPLE.ORG", "  john@example.org ", "John@Example.org"])
def test_upsert_matches_email_case_insensitively_after_stripping(api, list_id, variant):
    [first] = api.add(list_id, JOHN)
    [second] = api.add(list_id, {"email": variant, "first_name": "Johnny"})
    assert first == second
    shown = expanded(api, list_id, first)
    assert shown["first_name"] == "Johnny"
    assert shown["last_name"] == "Doe"  # fields not sent stay as they were
    assert listing(api, f"/lists/{list_id}/recipients")["info"]["count"] == 1


def test_same_email_in_two_lists_is_two_independent_contacts(api, list_id):
    other_list = api.create_list("Product news")
    [in_first] = api.add(list_id, JOHN)
    [in_second] = api.add(other_list, JOHN)
    assert in_first != in_second
    api.patch(f"/lists/{list_id}/recipients/{in_first}", json={"is_unsubscribed": True})
    assert expanded(api, other_list, in_second)["is_unsubscribed"] is False


def test_missing_list_id_goes_to_the_default_list(api):
    response = api.post("/recipients", json={"email": "nolist@example.org"})
    assert response.status_code == 200
    recipient_id = response.get_json()["value"][0]["id"]
    assert expanded(api, api.default_list_id(), recipient_id)["email"] == "nolist@example.org"


def test_invalid_emails_are_reported_while_valid_ones_are_saved(api, list_id):
    body = [
        {"list_id": list_id, "email": "good@example.org"},
        {"list_id": list_id, "email": "not-an-address"},
        {"list_id": list_id, "email": "also@bad@example.org"},
        {"list_id": list_id, "email": "good2@example.org"},
        {"list_id": list_id, "first_name": "No email"},
        {"list_id": list_id, "email": "x" * 60 + "@example.org"},
    ]
    response = api.post("/recipients", json=body)
    assert response.status_code == 201
    payload = response.get_json()
    assert payload["info"]["count"] == 2
    assert payload["info"]["additional"]["invalid_recipients"] == [
        body[1],
        body[2],
        body[4],
        body[5],
    ]
    emails = {
        item["email"] for item in listing(api, f"/lists/{list_id}/recipients?_expand=true")["value"]
    }
    assert emails == {"good@example.org", "good2@example.org"}


def test_a_single_invalid_recipient_is_reported_not_saved(api, list_id):
    response = api.post("/recipients", json={"list_id": list_id, "email": "broken"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["value"] == []
    assert body["info"]["count"] == 0
    assert body["info"]["additional"]["invalid_recipients"] == [
        {"list_id": list_id, "email": "broken"}
    ]


@pytest.mark.parametrize(
    "extra",
    [
        {"gender": "x"},
        {"rating": 9},
        {"is_unsubscribed": "no"},
        {"first_name": 42},
        {"bad name": "attribute names are letters, digits and _"},
        {"nested": {"not": "allowed"}},
    ],
)
def test_entries_with_invalid_fields_are_reported(api, list_id, extra):
    entry = {"list_id": list_id, "email": "someone@example.org", **extra}
    response = api.post("/recipients", json=[entry])
    assert response.get_json()["info"]["additional"]["invalid_recipients"] == [entry]
    assert listing(api, f"/lists/{list_id}/recipients")["info"]["count"] == 0


def test_custom_attributes_are_stored_by_name(api, list_id):
    [recipient_id] = api.add(list_id, {**JOHN, "New_Attribute": "attribute value", "score": 7})
    shown = expanded(api, list_id, recipient_id, "?_fields=email,first_name,New_Attribute")
    assert shown == {
        "_href": f"http://localhost/recipients/{recipient_id}",
        "id": recipient_id,
        "email": "john@example.org",
        "first_name": "John",
        "New_Attribute": "attribute value",
    }
    assert expanded(api, list_id, recipient_id)["score"] == 7
    page = listing(api, f"/lists/{list_id}/recipients?_fields=score")
    assert page["value"][0]["score"] == 7


def test_unknown_list_is_404_and_nothing_is_saved(api, list_id):
    body = [
        {"list_id": list_id, "email": "a@example.org"},
        {"list_id": "zzzzzzzz", "email": "b@example.org"},
    ]
    response = api.post("/recipients", json=body)
    assert response.status_code == 404
    assert response.get_json()["code"] == 404
    assert listing(api, f"/lists/{list_id}/recipients")["info"]["count"] == 0


@pytest.mark.parametrize(
    "body", ['"just a string"', "42", "[1, 2]", '[{"email": "a@example.org"}, 3]']
)
def test_bodies_that_are_not_recipients_are_400(api, body):
    response = api.post("/recipients", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["status"] == 400
    assert listing(api, "/recipients")["info"]["count"] == 0


def test_false_and_empty_string_are_real_values(api, list_id):
    [recipient_id] = api.add(list_id, {**JOHN, "is_blacklisted": True})
    api.add(list_id, {"email": JOHN["email"], "first_name": "", "is_blacklisted": False})
    shown = expanded(api, list_id, recipient_id)
    assert shown["first_name"] == ""
    assert shown["is_blacklisted"] is False


def test_upsert_without_is_unsubscribed_keeps_an_opt_out(api, list_id):
    [recipient_id] = api.add(list_id, JOHN)
    api.patch(f"/lists/{list_id}/recipients/{recipient_id}", json={"is_unsubscribed": True})
    api.add(list_id, {"email": JOHN["email"], "first_name": "Still out"})
    assert expanded(api, list_id, recipient_id)["is_unsubscribed"] is True
    api.add(list_id, {"email": JOHN["email"], "is_unsubscribed": False})  # documented re-subscribe
    assert expanded(api, list_id, recipient_id)["is_unsubscribed"] is False


def test_active_counts_recipients_not_unsubscribed(api, list_id):
    ids = api.add(list_id, *({"email": f"r{i}@example.org"} for i in range(5)))
    path = f"/lists/{list_id}/recipients"
    assert listing(api, path)["info"]["additional"] == {"active": 5}
    api.patch(f"{path}/{ids[0]}", json={"is_unsubscribed": True})
    api.add(list_id, {"email": "r1@example.org", "is_unsubscribed": True})
    assert listing(api, path)["info"]["additional"] == {"active": 3}
    assert listing(api, path)["info"]["count"] == 5
    assert listing(api, "/recipients")["info"]["additional"] == {"active": 3}
    filtered = listing(api, f'{path}?_filter=email=in=("r0@example.org","r2@example.org")')
    assert filtered["info"]["count"] == 2
    assert filtered["info"]["additional"] == {"active": 1}
    api.delete(f"{path}/{ids[0]}")
    assert listing(api, path)["info"]["additional"] == {"active": 3}
    single = api.get(f"{path}/{ids[1]}").get_json()
    assert single["info"]["additional"] == {"active": 0}


def test_pages_follow_limit_offset_and_next(api, list_id):
    ids = api.add(list_id, *({"email": f"p{i:03}@example.org"} for i in range(120)))
    seen, path, pages = [], f"/lists/{list_id}/recipients?_limit=50", 0
    while path:
        body = listing(api, path.removeprefix("http://localhost"))
        assert body["info"]["count"] == 120
        seen += [item["id"] for item in body["value"]]
        path = body["info"]["links"].get("_next")
        pages += 1
    assert pages == 3
    assert seen == ids  # creation order, nothing lost or repeated
    body = listing(api, f"/lists/{list_id}/recipients?_limit=10&_offset=115&_expand=1")
    assert [item["email"] for item in body["value"]] == [
        f"p{i:03}@example.org" for i in range(115, 120)
    ]
    assert "_next" not in body["info"]["links"]
    assert body["info"]["links"]["_href"].endswith("?_limit=10&_offset=115&_expand=1")


def test_default_page_size_is_50(api, list_id):
    api.add(list_id, *({"email": f"d{i}@example.org"} for i in range(60)))
    body = listing(api, f"/lists/{list_id}/recipients")
    assert len(body["value"]) == 50
    assert body["info"]["links"]["_next"].endswith("_limit=50&_offset=50")


def test_all_recipients_of_the_account_across_lists(api, list_id):
    other_list = api.create_list("Other")
    api.add(list_id, {"email": "a@example.org"})
    api.add(other_list, {"email": "a@example.org"}, {"email": "b@example.org"})
    for path in ("/recipients", "/recipients/global"):
        body = listing(api, f"{path}?_expand=true")
        assert body["info"]["count"] == 3
        assert body["info"]["links"]["_href"].startswith("http://localhost/recipients?")
        assert sorted(item["email"] for item in body["value"]) == [
            "a@example.org",
            "a@example.org",
            "b@example.org",
        ]
    first = listing(api, "/recipients?_limit=2&_expand=1")  # pages run across list borders
    second = listing(api, first["info"]["links"]["_next"].removeprefix("http://localhost"))
    assert [i["list_ids"] for i in first["value"] + second["value"]] == [
        [list_id],
        [other_list],
        [other_list],
    ]
    assert "_next" not in second["info"]["links"]


def test_recipient_href_resolves(api, list_id):
    [recipient_id] = api.add(list_id, JOHN)
    href = api.get(f"/lists/{list_id}/recipients/{recipient_id}").get_json()["value"][0]["_href"]
    shown = listing(api, href.removeprefix("http://localhost"))["value"][0]
    assert shown["email"] == JOHN["email"]


def test_recipient_in_another_list_is_404_there(api, list_id):
    other_list = api.create_list("Other")
    [recipient_id] = api.add(list_id, JOHN)
    assert api.get(f"/lists/{other_list}/recipients/{recipient_id}").status_code == 404
    assert (
        api.patch(f"/lists/{other_list}/recipients/{recipient_id}", json={"phone": "1"}).status_code
        == 404
    )
    assert api.delete(f"/lists/{other_list}/recipients/{recipient_id}").status_code == 404
    assert expanded(api, list_id, recipient_id)["phone"] == JOHN["phone"]


def test_patch_one_changes_fields_and_an_email_change_keeps_the_id(api, list_id):
    [recipient_id] = api.add(list_id, JOHN)
    path = f"/lists/{list_id}/recipients/{recipient_id}"
    response = api.patch(path, json={"email": "john.new@example.org", "gender": "f", "Score": 3})
    assert response.status_code == 200
    assert response.get_json() == {"status": 200, "info": {"count": 1}, "value": []}
    shown = expanded(api, list_id, recipient_id)
    assert (shown["email"], shown["gender"], shown["Score"]) == ("john.new@example.org", "f", 3)
    [again] = api.add(list_id, {"email": "JOHN.NEW@example.org"})
    assert again == recipient_id  # the new address is the natural key now
    [fresh] = api.add(list_id, {"email": "john@example.org"})
    assert fresh != recipient_id  # the old one is free


def test_patch_to_an_email_that_exists_in_the_list_is_1062(api, list_id):
    _, second = api.add(list_id, JOHN, {"email": "jane@example.org"})
    response = api.patch(
        f"/lists/{list_id}/recipients/{second}", json={"email": "John@Example.org"}
    )
    assert response.status_code == 400
    assert response.get_json() == {
        "status": 400,
        "code": 1062,
        "errorMessage": 'Duplicate value "John@Example.org" for column "email"',
    }
    assert expanded(api, list_id, second)["email"] == "jane@example.org"


@pytest.mark.parametrize(
    "body", [{"email": "broken"}, {"email": ""}, {"gender": "x"}, {"rating": -1}]
)
def test_patch_with_invalid_values_is_422_and_changes_nothing(api, list_id, body):
    [recipient_id] = api.add(list_id, JOHN)
    response = api.patch(f"/lists/{list_id}/recipients/{recipient_id}", json=body)
    assert response.status_code == 422
    assert response.get_json()["moreInfo"]["errors"][0]["fieldName"] == next(iter(body))
    assert expanded(api, list_id, recipient_id)["email"] == JOHN["email"]


def test_patch_by_filter_changes_the_matching_ones(api, list_id):
    api.add(
        list_id, {"email": "a@example.org"}, {"email": "b@example.org"}, {"email": "c@test.org"}
    )
    path = f"/lists/{list_id}/recipients"
    response = api.patch(
        f'{path}?_filter=email=LIKE="%25example%25"', json={"last_name": "Example"}
    )
    assert response.get_json() == {"status": 200, "info": {"count": 2}, "value": []}
    names = {i["email"]: i.get("last_name") for i in listing(api, f"{path}?_expand=1")["value"]}
    assert names == {"a@example.org": "Example", "b@example.org": "Example", "c@test.org": None}


def test_patch_without_filter_changes_all_as_documented(api, list_id):
    api.add(list_id, {"email": "a@example.org"}, {"email": "b@example.org"})
    response = api.patch(f"/lists/{list_id}/recipients", json={"is_unsubscribed": True})
    assert response.get_json()["info"]["count"] == 2
    assert listing(api, f"/lists/{list_id}/recipients")["info"]["additional"]["active"] == 0


def test_patch_by_filter_giving_several_the_same_email_is_refused(api, list_id):
    api.add(list_id, {"email": "a@example.org"}, {"email": "b@example.org"})
    response = api.patch(f"/lists/{list_id}/recipients", json={"email": "same@example.org"})
    assert response.status_code == 400
    assert response.get_json()["code"] == 1062
    emails = {i["email"] for i in listing(api, f"/lists/{list_id}/recipients?_expand=1")["value"]}
    assert emails == {"a@example.org", "b@example.org"}


def test_delete_one(api, list_id):
    keep, drop = api.add(list_id, {"email": "keep@example.org"}, {"email": "drop@example.org"})
    response = api.delete(f"/lists/{list_id}/recipients/{drop}")
    assert response.get_json() == {"status": 200, "info": {"count": 1}, "value": []}
    assert api.get(f"/lists/{list_id}/recipients/{drop}").status_code == 404
    assert api.delete(f"/lists/{list_id}/recipients/{drop}").status_code == 404
    assert [i["id"] for i in listing(api, f"/lists/{list_id}/recipients")["value"]] == [keep]
    [again] = api.add(list_id, {"email": "drop@example.org"})
    assert again != drop


def test_delete_by_filter_and_without_filter(api, list_id):
    api.add(
        list_id, {"email": "a@example.org"}, {"email": "b@example.org"}, {"email": "c@test.org"}
    )
    path = f"/lists/{list_id}/recipients"
    response = api.delete(f'{path}?_filter=email=like="%25example%25"')
    assert response.get_json()["info"]["count"] == 2
    assert listing(api, path)["info"]["count"] == 1
    assert api.delete(path).get_json()["info"]["count"] == 1
    assert listing(api, path)["info"]["count"] == 0


def test_recipients_of_another_account_are_invisible(api, other_api, list_id):
    [mine] = api.add(list_id, JOHN)
    their_list = other_api.create_list("Theirs")
    [theirs] = other_api.add(their_list, JOHN)
    assert other_api.get(f"/recipients/{mine}").status_code == 404
    assert api.get(f"/recipients/{theirs}").status_code == 404
    assert api.get(f"/lists/{their_list}/recipients").status_code == 404
    assert api.get(f"/lists/{their_list}/recipients/{theirs}").status_code == 404
    assert (
        api.patch(f"/lists/{their_list}/recipients/{theirs}", json={"phone": "1"}).status_code
        == 404
    )
    assert api.patch(f"/lists/{their_list}/recipients", json={"phone": "1"}).status_code == 404
    assert api.delete(f"/lists/{their_list}/recipients").status_code == 404
    assert api.delete(f"/lists/{their_list}/recipients/{theirs}").status_code == 404
    assert (
        api.post("/recipients", json={"list_id": their_list, "email": "x@example.org"}).status_code
        == 404
    )
    assert [i["id"] for i in listing(api, "/recipients")["value"]] == [mine]
    assert (
        listing(other_api, f"/lists/{their_list}/recipients?_expand=1")["value"][0]["phone"]
        == JOHN["phone"]
    )


def test_unicode_and_escaped_json_arrive_intact(api, list_id):
    raw = json.dumps([{"list_id": list_id, "email": "jörg@example.org", "last_name": "Müller"}])
    response = api.post("/recipients", data=raw, content_type="application/json")
    assert response.status_code == 201
    [item] = listing(api, f"/lists/{list_id}/recipients?_expand=1")["value"]
    assert (item["email"], item["last_name"]) == ("jörg@example.org", "Müller")


@pytest.mark.parametrize("list_ref", [123, ["abc"], True])
def test_a_list_id_that_is_not_a_string_makes_the_entry_invalid(api, list_id, list_ref):
    body = [
        {"list_id": list_ref, "email": "a@example.org"},
        {"list_id": list_id, "email": "b@example.org"},
    ]
    response = api.post("/recipients", json=body)
    assert response.status_code == 201
    assert response.get_json()["info"]["additional"]["invalid_recipients"] == [body[0]]
    assert response.get_json()["info"]["count"] == 1


def test_multiselect_attribute_takes_a_list_of_strings_only(api, list_id):
    [recipient_id] = api.add(list_id, {"email": "a@example.org", "Topics": ["sport", "culture"]})
    assert expanded(api, list_id, recipient_id)["Topics"] == ["sport", "culture"]
    response = api.post(
        "/recipients", json=[{"list_id": list_id, "email": "b@example.org", "Topics": [1, 2]}]
    )
    assert len(response.get_json()["info"]["additional"]["invalid_recipients"]) == 1
