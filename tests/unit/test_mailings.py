"""Mailings: /lists/{lid}/newsletters, /newsletters/{nid}, its versions, test sends and sends."""

import re
from urllib.parse import quote

import pytest

from tests.support import OTHER_ACCOUNT, Api, login

ID = re.compile(r"[a-z0-9]{8}")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000")
DOCUMENTED_FIELDS = [  # "Get one Mailing", in its order
    *("_href", "id", "company_id", "list_id", "modified_at", "created_at", "type", "name"),
    *("state", "is_deleted", "is_disabled", "is_duplicatable", "is_approved", "is_archived"),
    *("is_anonymized", "ip_class", "progress_count", "has_open_tracking", "has_click_tracking"),
    *("has_conversion_tracking", "has_google_analytics_tracking", "has_econda_tracking"),
    *("has_custom_tracking", "statistic_last_sent", "statistic_mail_count"),
    *("statistic_hard_bounces", "statistic_soft_bounces", "statistic_spam_bounces"),
    *("statistic_opens", "statistic_unique_opens", "statistic_clicks", "statistic_unique_clicks"),
    *("statistic_conversions", "statistic_conversions_sum", "statistic_unsubscribes"),
    "statistic_complaints",
]
CREATE_BODY = {  # the collection's "Create Mailing"
    "type": "default",
    "name": "New Mailing Name",
    "has_open_tracking": True,
    "has_click_tracking": True,
    "has_conversion_tracking": True,
    "subject": "Subject",
    "preheader": "Pre header",
    "header_from_email": "from@example.org",
    "header_from_name": "From Name",
    "header_reply_email": "reply@example.org",
    "header_reply_name": "Reply Name",
}
STATISTICS = [
    *("mail_count", "ave_mail_count", "hard_bounces", "soft_bounces", "spam_bounces", "opens"),
    *("unique_opens", "clicks", "unique_clicks", "conversions", "sum_conversions"),
    *("unsubscribes", "complaints"),
]
DEFAULT_CONTEXTS_ERROR = {
    "status": 400,
    "code": 400,
    "errorMessage": (
        "Bad Request (submitting contexts to a newsletter of type 'default' is not allowed)"
    ),
}
SUCCESS = {"status": 200, "info": {"count": 1}, "value": [{"success": True}]}


@pytest.fixture
def list_id(api):
    return api.create_list("Mailing list")


@pytest.fixture
def people(api, list_id):
    """Two contacts who receive newsletters and three who must never get one."""
    return api.add(
        list_id,
        {"email": "anna@example.org"},
        {"email": "ben@example.org"},
        {"email": "gone@example.org", "is_unsubscribed": True},
        {"email": "black@example.org", "is_blacklisted": True},
        {"email": "bounce@example.org", "is_bounced": True},
    )


def create(api, list_id, **fields):
    response = api.post(f"/lists/{list_id}/newsletters", json={**CREATE_BODY, **fields})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["value"][0]["id"]


def active_transaction(api, list_id, **fields):
    newsletter_id = create(api, list_id, type="transaction", **fields)
    assert api.patch(f"/newsletters/{newsletter_id}", json={"state": "active"}).status_code == 200
    return newsletter_id


def shown(api, newsletter_id, query=""):
    response = api.get(f"/newsletters/{newsletter_id}{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["value"][0]


def outbox(api, **query):
    response = api.client.get("/_mock/outbox", query_string=query)
    assert response.status_code == 200
    return response.get_json()["emails"]


def sent_to(api, kind="mailing"):
    return [email["to"] for email in outbox(api, kind=kind)]


def versions(api, newsletter_id, query="?_expand=true"):
    response = api.get(f"/newsletters/{newsletter_id}/versions{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def single_problem(response, field_name):
    assert response.status_code == 422, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["code"], body["errorMessage"]) == (10003, "Error during input validation")
    assert [e["fieldName"] for e in body["moreInfo"]["errors"]] == [field_name]
    assert body["moreInfo"]["errors"][0]["code"] == 10003


def contexts(*emails):
    return {"contexts": [{"recipient": {"email": email}} for email in emails]}


# creating


def test_create_answers_201_as_documented(api, list_id):
    response = api.post(f"/lists/{list_id}/newsletters", json=CREATE_BODY)
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == 201
    assert body["info"] == {"count": 1, "additional": {}}
    [created] = body["value"]
    assert list(created) == ["_href", "id"]
    assert ID.fullmatch(created["id"])
    assert created["_href"] == f"http://localhost/newsletters/{created['id']}"


def test_a_new_mailing_shows_every_documented_field_but_last_sent(api, list_id):
    newsletter_id = create(api, list_id)
    response = api.get(f"/newsletters/{newsletter_id}")
    assert response.get_json()["info"] == {"count": 1, "additional": {}}
    item = response.get_json()["value"][0]
    assert list(item) == [name for name in DOCUMENTED_FIELDS if name != "statistic_last_sent"]
    assert (item["type"], item["state"], item["name"]) == ("default", "draft", "New Mailing Name")
    assert item["list_id"] == list_id
    assert item["company_id"] == api.get(f"/lists/{list_id}").get_json()["value"][0]["company_id"]
    assert TIMESTAMP.fullmatch(item["created_at"])
    assert item["created_at"] == item["modified_at"]
    assert item["is_deleted"] is False
    assert item["is_duplicatable"] is True
    assert (item["ip_class"], item["progress_count"], item["statistic_mail_count"]) == (0, 0, 0)


@pytest.mark.parametrize("mailing_type", ["transaction", "doi"])
def test_transaction_and_doi_mailings_start_inactive(api, list_id, mailing_type):
    item = shown(api, create(api, list_id, type=mailing_type))
    assert (item["type"], item["state"]) == (mailing_type, "inactive")


def test_type_defaults_to_default(api, list_id):
    body = {key: value for key, value in CREATE_BODY.items() if key != "type"}
    response = api.post(f"/lists/{list_id}/newsletters", json=body)
    assert shown(api, response.get_json()["value"][0]["id"])["type"] == "default"


@pytest.mark.parametrize(
    ("fields", "field_name"),
    [
        ({"type": "recurring"}, "type"),
        ({"type": 1}, "type"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"header_from_email": "not-an-address"}, "header_from_email"),
        ({"has_open_tracking": "yes"}, "has_open_tracking"),
        ({"state": "active"}, "state"),  # a one-time mailing has no active/inactive switch
        ({"state": "paused", "type": "transaction"}, "state"),
        ({"json": 5}, "json"),
    ],
)
def test_invalid_create_bodies_are_422_and_create_nothing(api, list_id, fields, field_name):
    response = api.post(f"/lists/{list_id}/newsletters", json={**CREATE_BODY, **fields})
    single_problem(response, field_name)
    assert api.get(f"/lists/{list_id}/newsletters").get_json()["info"]["count"] == 0


def test_a_missing_name_is_422(api, list_id):
    response = api.post(f"/lists/{list_id}/newsletters", json={"type": "default"})
    single_problem(response, "name")


def test_unknown_and_foreign_lists_are_404(api, other_api, list_id):
    assert api.post("/lists/zzzzzzzz/newsletters", json=CREATE_BODY).status_code == 404
    response = other_api.post(f"/lists/{list_id}/newsletters", json=CREATE_BODY)
    assert response.status_code == 404
    assert response.get_json()["code"] == 404


def test_headers_and_tracking_default_to_the_lists_settings(api):
    list_id = api.create_list(
        "With defaults",
        header_from_email="news@example.org",
        header_from_name="News",
        has_opentracking=False,
        uses_googleanalytics=True,
    )
    response = api.post(
        f"/lists/{list_id}/newsletters", json={"name": "Plain", "header_from_name": "Own"}
    )
    newsletter_id = response.get_json()["value"][0]["id"]
    item = shown(
        api, newsletter_id, "?_fields=header_from_email,header_from_name,header_reply_email"
    )
    assert item == {
        "_href": f"http://localhost/newsletters/{newsletter_id}",
        "id": newsletter_id,
        "header_from_email": "news@example.org",
        "header_from_name": "Own",
    }
    item = shown(api, newsletter_id)
    assert item["has_open_tracking"] is False
    assert item["has_click_tracking"] is True
    assert item["has_google_analytics_tracking"] is True


def test_content_is_stored_as_sent_and_readable_with_fields(api, list_id):
    nml = {"blocks": [{"type": "text", "text": "Hallo {{ recipient.first_name }}"}]}
    newsletter_id = create(api, list_id, html="<p>Hi</p>", json=nml)
    item = shown(api, newsletter_id, "?_fields=subject,preheader,html,json,name")
    assert item["html"] == "<p>Hi</p>"
    assert item["json"] == nml
    assert (item["subject"], item["preheader"], item["name"]) == (
        "Subject",
        "Pre header",
        "New Mailing Name",
    )
    assert "subject" not in shown(api, newsletter_id)  # not among the documented fields


# the collection


def test_collection_pages_with_next_and_last_links(api, list_id):
    ids = [create(api, list_id, name=f"Mailing {n}") for n in range(5)]
    body = api.get(f"/lists/{list_id}/newsletters?_limit=2").get_json()
    assert body["info"]["count"] == 5
    assert [item["id"] for item in body["value"]] == ids[:2]
    assert all(list(item) == ["_href", "id"] for item in body["value"])
    base = f"http://localhost/lists/{list_id}/newsletters"
    assert body["info"]["links"] == {
        "_href": f"{base}?_limit=2&_offset=0",
        "_next": f"{base}?_limit=2&_offset=2",
        "_last": f"{base}?_limit=2&_offset=3",
    }
    last = api.get(f"/lists/{list_id}/newsletters?_limit=2&_offset=4").get_json()
    assert [item["id"] for item in last["value"]] == ids[4:]
    assert last["info"]["links"] == {"_href": f"{base}?_limit=2&_offset=4"}


def test_collection_expands_filters_and_selects_fields(api, list_id):
    create(api, list_id, name="One-time")
    transactional = create(api, list_id, type="transaction", name="Order confirmation")
    expanded = api.get(f"/lists/{list_id}/newsletters?_expand=true").get_json()["value"]
    assert [item["name"] for item in expanded] == ["One-time", "Order confirmation"]
    assert "statistic_mail_count" in expanded[0]
    flt = quote('type=="transaction"')
    body = api.get(f"/lists/{list_id}/newsletters?_filter={flt}&_fields=name,state").get_json()
    assert body["info"]["count"] == 1
    assert body["value"] == [
        {
            "_href": f"http://localhost/newsletters/{transactional}",
            "id": transactional,
            "name": "Order confirmation",
            "state": "inactive",
        }
    ]


def test_collection_of_an_empty_list_has_zero_figures(api, list_id):
    body = api.get(f"/lists/{list_id}/newsletters").get_json()
    assert body["status"] == 200
    assert body["value"] == []
    zero = dict.fromkeys(STATISTICS, 0)
    assert body["info"]["additional"] == {
        "overall": zero,
        "filtered": zero,
        "counts": {"draft": 0, "progress": 0, "sent": 0, "active": 0, "inactive": 0},
    }
    assert list(body["info"]["additional"]["overall"]) == STATISTICS


def test_collection_figures_follow_what_was_sent(api, list_id, people, clock):
    create(api, list_id, name="Draft")
    create(api, list_id, type="doi", name="Confirm")
    one_time = create(api, list_id, name="Sent")
    assert api.post(f"/newsletters/{one_time}/send", json={"list_id": list_id}).status_code == 200
    transactional = active_transaction(api, list_id, name="Receipt")
    api.post(f"/newsletters/{transactional}/send", json=contexts("a@x.org", "b@x.org"))
    clock.advance(86400)
    api = Api(api.client)  # the old access token expired overnight
    api.post(f"/newsletters/{transactional}/send", json=contexts("c@x.org"))
    flt = quote('type=="transaction"')
    additional = api.get(f"/lists/{list_id}/newsletters?_filter={flt}").get_json()["info"][
        "additional"
    ]
    # 2 newsletter e-mails (anna, ben) + 3 transactional ones, over 3 mailing-days
    assert additional["overall"]["mail_count"] == 5
    assert additional["overall"]["ave_mail_count"] == pytest.approx(5 / 3, abs=1e-4)
    assert additional["filtered"]["mail_count"] == 3
    assert additional["filtered"]["ave_mail_count"] == 1.5
    assert additional["filtered"]["opens"] == 0
    assert additional["counts"] == {
        "draft": 1,
        "progress": 0,
        "sent": 1,
        "active": 1,
        "inactive": 1,
    }


def test_collection_rejects_bad_filters_and_unknown_lists(api, list_id):
    assert api.get(f"/lists/{list_id}/newsletters?_filter={quote('nope==1')}").status_code == 400
    assert api.get(f"/lists/{list_id}/newsletters?_filter=type%3D%3D").status_code == 400
    assert api.get("/lists/zzzzzzzz/newsletters").status_code == 404


# changing


def test_patch_with_the_documented_body(api, list_id, clock):
    newsletter_id = create(api, list_id, type="transaction")
    clock.advance(60)
    response = api.patch(
        f"/newsletters/{newsletter_id}",
        json={
            "name": "Other Name",
            "is_deleted": False,
            "has_open_tracking": True,
            "has_click_tracking": True,
            "has_conversion_tracking": True,
            "has_google_analytics_tracking": False,
            "has_econda_tracking": False,
            "has_custom_tracking": False,
            "state": "active",
        },
    )
    assert response.status_code == 200
    assert response.get_json() == {"status": 200, "info": {"count": 1}, "value": []}
    item = shown(api, newsletter_id)
    assert (item["name"], item["state"]) == ("Other Name", "active")
    assert item["modified_at"] > item["created_at"]
    api.patch(
        f"/newsletters/{newsletter_id}", json={"state": "inactive", "has_econda_tracking": True}
    )
    item = shown(api, newsletter_id)
    assert (item["state"], item["has_econda_tracking"]) == ("inactive", True)


@pytest.mark.parametrize(
    ("body", "field_name"),
    [
        ({"state": "sent"}, "state"),
        ({"type": "default"}, "type"),
        ({"name": "  "}, "name"),
        ({"is_deleted": "true"}, "is_deleted"),
        ({"recipient_ids": "abc"}, "recipient_ids"),
    ],
)
def test_invalid_patches_are_422_and_change_nothing(api, list_id, body, field_name):
    newsletter_id = create(api, list_id, type="transaction")
    before = shown(api, newsletter_id)
    response = api.patch(f"/newsletters/{newsletter_id}", json={"name": "Changed", **body})
    single_problem(response, field_name)
    assert shown(api, newsletter_id) == before


def test_a_one_time_mailing_cannot_be_switched_active(api, list_id):
    newsletter_id = create(api, list_id)
    single_problem(api.patch(f"/newsletters/{newsletter_id}", json={"state": "active"}), "state")
    assert shown(api, newsletter_id)["state"] == "draft"


def test_a_deleted_mailing_stays_readable_but_cannot_be_sent(api, list_id, people):
    newsletter_id = create(api, list_id)
    assert api.patch(f"/newsletters/{newsletter_id}", json={"is_deleted": True}).status_code == 200
    assert shown(api, newsletter_id)["is_deleted"] is True
    flt = quote('is_deleted=="false"')
    assert api.get(f"/lists/{list_id}/newsletters?_filter={flt}").get_json()["info"]["count"] == 0
    response = api.post(f"/newsletters/{newsletter_id}/send", json={"list_id": list_id})
    assert response.status_code == 400
    assert (
        api.post(f"/newsletters/{newsletter_id}/sendtest", json=contexts("t@x.org")).status_code
        == 400
    )
    assert outbox(api) == []
    api.patch(f"/newsletters/{newsletter_id}", json={"is_deleted": False})
    assert (
        api.post(f"/newsletters/{newsletter_id}/send", json={"list_id": list_id}).status_code == 200
    )


# versions


def test_a_version_is_saved_on_create_and_on_each_content_change(api, list_id, clock):
    newsletter_id = create(api, list_id)
    body = versions(api, newsletter_id, "")
    assert body["status"] == 200
    assert body["info"]["count"] == 1
    assert body["info"]["links"] == {
        "_href": f"http://localhost/newsletters/{newsletter_id}/versions?_limit=50&_offset=0"
    }
    [first] = body["value"]
    assert first == {
        "_href": f"http://localhost/newsletter/{newsletter_id}/version",
        "id": first["id"],
    }
    clock.advance(10)
    api.patch(f"/newsletters/{newsletter_id}", json={"subject": "New subject", "html": "<b>x</b>"})
    api.patch(f"/newsletters/{newsletter_id}", json={"has_click_tracking": False})  # no content
    api.patch(f"/newsletters/{newsletter_id}", json={"subject": "New subject"})  # unchanged
    expanded = versions(api, newsletter_id)
    assert expanded["info"]["count"] == 2
    old, new = expanded["value"]
    assert old["id"] == first["id"]
    assert (old["subject"], new["subject"], new["html"]) == ("Subject", "New subject", "<b>x</b>")
    assert "html" not in old
    assert new["name"] == "New Mailing Name"
    assert new["newsletter_id"] == newsletter_id
    assert new["created_at"] > old["created_at"]
    assert len({old["id"], new["id"], newsletter_id}) == 3


def test_versions_are_filtered_and_paged(api, list_id):
    newsletter_id = create(api, list_id)
    for n in range(3):
        api.patch(f"/newsletters/{newsletter_id}", json={"name": f"Name {n}"})
    all_versions = versions(api, newsletter_id)["value"]
    wanted = all_versions[2]["id"]
    body = versions(
        api, newsletter_id, f"?_filter={quote(f'id=={wanted!r}'.replace(chr(39), chr(34)))}"
    )
    assert [v["id"] for v in body["value"]] == [wanted]
    page = versions(api, newsletter_id, "?_limit=1&_offset=3")
    assert page["info"]["count"] == 4
    assert [v["id"] for v in page["value"]] == [all_versions[3]["id"]]


# test sends


def test_sendtest_mails_every_context_and_leaves_the_mailing_alone(api, list_id):
    newsletter_id = create(api, list_id, html="<p>Body</p>")
    before = shown(api, newsletter_id)
    response = api.post(
        f"/newsletters/{newsletter_id}/sendtest", json=contexts("t1@example.org", "t2@example.org")
    )
    assert response.status_code == 200
    assert response.get_json() == {
        "status": 200,
        "info": {"count": 1},
        "value": [{"message": "send test-mail to 2 recipients"}],
    }
    emails = outbox(api, kind="test_mailing")
    assert [e["to"] for e in emails] == ["t1@example.org", "t2@example.org"]
    assert {e["subject"] for e in emails} == {"[TEST] Subject"}
    assert {e["newsletter_id"] for e in emails} == {newsletter_id}
    assert emails[0]["body"] == "<p>Body</p>"
    assert shown(api, newsletter_id) == before
    assert sent_to(api) == []


@pytest.mark.parametrize(
    "body",
    [
        contexts("ok@example.org", "not an address"),
        {"contexts": []},
        {"contexts": [{"email": "ok@example.org"}]},
        {"other": 1},
    ],
)
def test_bad_test_contexts_are_400_and_send_nothing(api, list_id, body):
    newsletter_id = create(api, list_id)
    response = api.post(f"/newsletters/{newsletter_id}/sendtest", json=body)
    assert response.status_code == 400
    assert response.get_json()["code"] == 400
    assert outbox(api) == []


# sending a one-time mailing


def test_send_to_the_whole_list_skips_opted_out_blacklisted_and_bounced(api, list_id, people):
    newsletter_id = create(api, list_id, html="<p>News</p>")
    response = api.post(f"/newsletters/{newsletter_id}/send", json={"list_id": list_id})
    assert response.status_code == 200
    assert response.get_json() == SUCCESS
    emails = outbox(api, kind="mailing")
    assert [e["to"] for e in emails] == ["anna@example.org", "ben@example.org"]
    assert {(e["subject"], e["body"], e["newsletter_id"]) for e in emails} == {
        ("Subject", "<p>News</p>", newsletter_id)
    }
    item = shown(api, newsletter_id)
    assert item["state"] == "sent"
    assert (item["statistic_mail_count"], item["progress_count"]) == (2, 2)
    assert item["statistic_last_sent"] == emails[0]["sent_at"]
    assert item["statistic_opens"] == 0


def test_send_with_list_selected_true_reaches_the_list(api, list_id, people):
    newsletter_id = create(api, list_id)
    api.post(f"/newsletters/{newsletter_id}/send", json={"list_selected": True})
    assert sent_to(api) == ["anna@example.org", "ben@example.org"]


def test_send_to_recipients_and_segments_only_with_list_selected_false(api, list_id, people):
    _, ben, gone, *_ = people
    carl = api.add(list_id, {"email": "carl@example.org"})[0]
    group = api.post("/groups", json={"list_id": list_id, "name": "VIP"}).get_json()["value"][0]
    for member in (ben, gone):
        api.post(f"/lists/{list_id}/groups/{group['id']}/recipients/{member}")
    newsletter_id = create(api, list_id)
    response = api.post(
        f"/newsletters/{newsletter_id}/send",
        json={
            "scheduled": "2018-08-08T17:02:12+0200",
            "group_ids": [group["id"]],
            "recipient_ids": [carl, ben],
            "list_id": list_id,
            "list_selected": False,
        },
    )
    assert response.status_code == 200
    assert sent_to(api) == ["ben@example.org", "carl@example.org"]  # once each, never gone@
    assert "anna@example.org" not in sent_to(api)


def test_a_one_time_mailing_is_sent_once(api, list_id, people):
    newsletter_id = create(api, list_id)
    api.post(f"/newsletters/{newsletter_id}/send", json={"list_id": list_id})
    response = api.post(f"/newsletters/{newsletter_id}/send", json={"list_id": list_id})
    assert response.status_code == 400
    assert len(sent_to(api)) == 2


def test_contexts_for_a_default_mailing_get_the_documented_400(api, list_id, people):
    newsletter_id = create(api, list_id)
    response = api.post(
        f"/newsletters/{newsletter_id}/send",
        json={
            "scheduled": "2018-07-27T16:58:12+0200",
            "group_ids": [],
            "recipient_ids": [people[0]],
            **contexts("email@example.org"),
        },
    )
    assert response.status_code == 400
    assert response.get_json() == DEFAULT_CONTEXTS_ERROR
    assert outbox(api) == []
    assert shown(api, newsletter_id)["state"] == "draft"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"list_selected": False}, 400),  # nobody selected
        ({"recipient_ids": ["zzzzzzzz"]}, 404),
        ({"group_ids": ["zzzzzzzz"]}, 404),
        ({"list_id": "zzzzzzzz"}, 422),
        ({"list_id": None, "recipient_ids": "abc"}, 422),
        ({"list_id": None, "scheduled": "tomorrow"}, 422),
        ({"list_selected": "yes"}, 422),
    ],
)
def test_bad_send_selections_send_nothing(api, list_id, people, body, status):
    newsletter_id = create(api, list_id)
    response = api.post(f"/newsletters/{newsletter_id}/send", json=body)
    assert response.status_code == status, response.get_data(as_text=True)
    assert outbox(api) == []
    assert shown(api, newsletter_id)["state"] == "draft"


def test_recipients_of_another_list_are_404(api, list_id, people):
    stranger = api.add(api.create_list("Elsewhere"), {"email": "stranger@example.org"})[0]
    newsletter_id = create(api, list_id)
    response = api.post(
        f"/newsletters/{newsletter_id}/send", json={"recipient_ids": [people[0], stranger]}
    )
    assert response.status_code == 404
    assert outbox(api) == []


def test_a_selection_without_reachable_recipients_is_400(api, list_id, people):
    newsletter_id = create(api, list_id)
    response = api.post(f"/newsletters/{newsletter_id}/send", json={"recipient_ids": people[2:]})
    assert response.status_code == 400
    assert outbox(api) == []


def test_a_future_schedule_is_kept_and_the_mails_recorded(api, list_id, people):
    newsletter_id = create(api, list_id)
    body = {"list_id": list_id, "scheduled": "2099-01-02T10:00:00+0200"}
    assert api.post(f"/newsletters/{newsletter_id}/send", json=body).status_code == 200
    assert shown(api, newsletter_id, "?_fields=scheduled,state") == {
        "_href": f"http://localhost/newsletters/{newsletter_id}",
        "id": newsletter_id,
        "scheduled": "2099-01-02T08:00:00+0000",
        "state": "sent",
    }
    assert len(sent_to(api)) == 2


def test_an_audience_stored_by_patch_is_used_by_send(api, list_id, people):
    newsletter_id = create(api, list_id)
    patch = {"recipient_ids": [people[1]], "list_selected": False}
    assert api.patch(f"/newsletters/{newsletter_id}", json=patch).status_code == 200
    assert api.post(f"/newsletters/{newsletter_id}/send", json={}).status_code == 200
    assert sent_to(api) == ["ben@example.org"]


def test_patch_checks_the_audience_ids(api, list_id):
    newsletter_id = create(api, list_id)
    response = api.patch(f"/newsletters/{newsletter_id}", json={"recipient_ids": ["zzzzzzzz"]})
    assert response.status_code == 404


# sending a transactional mailing


def test_an_inactive_transactional_mailing_is_not_sent(api, list_id):
    newsletter_id = create(api, list_id, type="transaction")
    response = api.post(f"/newsletters/{newsletter_id}/send", json=contexts("a@example.org"))
    assert response.status_code == 400
    assert response.get_json()["errorMessage"] == "Bad Request (the newsletter is not active)"
    assert outbox(api) == []


@pytest.mark.parametrize("mailing_type", ["transaction", "doi"])
def test_an_active_transactional_mailing_mails_each_context(api, list_id, people, mailing_type):
    newsletter_id = create(api, list_id, type=mailing_type)
    api.patch(f"/newsletters/{newsletter_id}", json={"state": "active"})
    body = {
        "scheduled": "2018-07-27T16:58:12+0200",
        "contexts": [
            {"recipient": {"email": "email@example.org", "first_name": "Max"}},
            {"recipient": {"id": people[1]}},
        ],
    }
    response = api.post(f"/newsletters/{newsletter_id}/send", json=body)
    assert response.status_code == 200
    assert response.get_json() == SUCCESS
    emails = outbox(api, kind="mailing")
    assert [e["to"] for e in emails] == ["email@example.org", "ben@example.org"]
    assert {e["newsletter_id"] for e in emails} == {newsletter_id}
    item = shown(api, newsletter_id)
    assert (item["state"], item["statistic_mail_count"]) == ("active", 2)
    assert item["statistic_last_sent"] == emails[-1]["sent_at"]
    assert (
        api.post(f"/newsletters/{newsletter_id}/send", json=contexts("x@example.org")).status_code
        == 200
    )
    assert shown(api, newsletter_id)["statistic_mail_count"] == 3


def test_transactional_mails_skip_blocked_contacts_but_reach_unsubscribed(api, list_id, people):
    newsletter_id = active_transaction(api, list_id)
    body = {
        "contexts": [
            {"recipient": {"email": "GONE@example.org"}},
            {"recipient": {"email": "black@example.org"}},
            {"recipient": {"id": people[4]}},
        ]
    }
    assert api.post(f"/newsletters/{newsletter_id}/send", json=body).status_code == 200
    assert sent_to(api) == ["GONE@example.org"]
    assert shown(api, newsletter_id)["statistic_mail_count"] == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"list_id": "x"}, 400),  # contexts are what a transactional mailing is sent to
        (contexts("fine@example.org", "broken@"), 400),
        ({"contexts": [{"recipient": {"id": "zzzzzzzz"}}]}, 404),
    ],
)
def test_bad_transactional_sends_send_nothing(api, list_id, body, status):
    newsletter_id = active_transaction(api, list_id)
    response = api.post(f"/newsletters/{newsletter_id}/send", json=body)
    assert response.status_code == status
    assert outbox(api) == []
    assert shown(api, newsletter_id)["statistic_mail_count"] == 0


# lifecycle and isolation


def test_deleting_a_list_deletes_its_mailings(api, list_id):
    doomed = create(api, list_id)
    kept = create(api, api.default_list_id())
    assert api.delete(f"/lists/{list_id}").status_code == 200
    assert api.get(f"/newsletters/{doomed}").status_code == 404
    assert api.get(f"/newsletters/{doomed}/versions").status_code == 404
    assert api.get(f"/newsletters/{kept}").status_code == 200


def test_another_accounts_mailings_are_404(api, other_api, list_id, people):
    newsletter_id = create(api, list_id)
    transactional = active_transaction(api, list_id)
    assert other_api.get(f"/lists/{list_id}/newsletters").status_code == 404
    assert other_api.get(f"/newsletters/{newsletter_id}").status_code == 404
    assert other_api.get(f"/newsletters/{newsletter_id}/versions").status_code == 404
    assert (
        other_api.patch(f"/newsletters/{newsletter_id}", json={"name": "Mine"}).status_code == 404
    )
    assert (
        other_api.post(f"/newsletters/{newsletter_id}/send", json={"list_id": list_id}).status_code
        == 404
    )
    assert (
        other_api.post(f"/newsletters/{transactional}/send", json=contexts("a@x.org")).status_code
        == 404
    )
    assert (
        other_api.post(
            f"/newsletters/{newsletter_id}/sendtest", json=contexts("a@x.org")
        ).status_code
        == 404
    )
    assert outbox(api) == []
    other_list = other_api.default_list_id()
    response = other_api.post(f"/lists/{other_list}/newsletters", json=CREATE_BODY)
    assert response.status_code == 201
    assert other_api.get(f"/lists/{other_list}/newsletters").get_json()["info"]["count"] == 1
    assert api.get(f"/lists/{list_id}/newsletters").get_json()["info"]["count"] == 2
    assert shown(api, newsletter_id)["name"] == "New Mailing Name"


def test_outbox_mails_belong_to_the_sending_account(api, other_api, client):
    other_list = other_api.default_list_id()
    other_api.add(other_list, {"email": "theirs@example.org"})
    response = other_api.post(f"/lists/{other_list}/newsletters", json=CREATE_BODY)
    newsletter_id = response.get_json()["value"][0]["id"]
    assert (
        other_api.post(
            f"/newsletters/{newsletter_id}/send", json={"list_id": other_list}
        ).status_code
        == 200
    )
    other_account = login(client, OTHER_ACCOUNT)["account_id"]
    assert [e["to"] for e in outbox(api, account_id=other_account)] == ["theirs@example.org"]
    assert [e["account_id"] for e in outbox(api)] == [other_account]
