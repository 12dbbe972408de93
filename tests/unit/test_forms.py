"""Public subscription forms: the form document, submissions and the double opt-in link."""

import re
import threading
from urllib.parse import urlsplit

import pytest

from mock_n2g import create_app
from mock_n2g.backend import AccountSpec
from mock_n2g.config import MockConfig
from tests.support import MAIN_ACCOUNT, OTHER_ACCOUNT, Api

DAY = 24 * 3600
LINK = re.compile(r"http://localhost/forms/confirm/[A-Za-z0-9_-]{32,}")
MESSAGE_KEYS = {
    "message_subscribe_error",
    "message_subscribe_duplicate",
    "message_subscribe_success",
    "message_subscribe_doi",
    "message_subscribe_email",
    "message_expired_error",
}


def _text_attribute(name: str, sub_type: str = "text", kind: str = "text") -> dict:
    return {
        "name": name,
        "description": None,
        "type": kind,
        "sub_type": sub_type,
        "is_multiselect": False,
        "default_value": None,
    }


# From the vendor's "Get Form" and "Submit Form" examples (the values these tests need; the
# key structure of every example is checked by tests/contract/test_conformance.py).
DOCUMENTED_ITEM_KEYS = {
    "attribute": {
        "attribute_sub_type",
        "attribute_type",
        "default_value",
        "description",
        "id",
        "is_multiline",
        "is_multiselect",
        "is_required",
        "label",
        "name",
        "placeholder",
        "type",
    },
    "gdpr_customer": {"content", "is_required", "link", "type"},
    "gdpr_n2go": {"content", "type"},
    "list": {"is_required", "label", "type", "values"},
    "submit": {"label", "type"},
}
DOCUMENTED_ATTRIBUTES = {
    "email": _text_attribute("email", "email"),
    "phone": _text_attribute("phone"),
    "birthday": _text_attribute("birthday", "date", "date"),
    "first_name": _text_attribute("first_name"),
    "last_name": _text_attribute("last_name"),
    "gender": {
        **_text_attribute("gender"),
        "values": [
            {"is_preselected": False, "value": "m"},
            {"is_preselected": False, "value": "f"},
        ],
    },
}
DOCUMENTED_SUBMIT_BODY = {
    "status": 200,
    "info": {"count": 0},
    "value": [
        {
            "result": {
                "success": {"inserted": 0, "updated": 0},
                "error": {
                    "failed": 1,
                    "recipients": {"duplicate": [], "invalid": [{"email": "email@example.org"}]},
                },
            }
        }
    ],
}


def backend(app):
    return app.extensions["n2g_backend"]


def account_of(app, spec=MAIN_ACCOUNT):
    return backend(app).store.accounts_by_auth_key[spec.auth_key]


def form_code(app, spec=MAIN_ACCOUNT):
    """Setup: the code of the form every account gets for its default list."""
    account = account_of(app, spec)
    [code] = [c for c, f in account.forms.items() if f.list_id == account.default_list_id]
    return code


def new_form(app, list_id, spec=MAIN_ACCOUNT, **texts):
    """Setup: a form for another list, through the backend until the control API offers it."""
    return backend(app).forms.create(account_of(app, spec), list_id, **texts).code


def submit(client, code, recipient):
    response = client.post(f"/forms/submit/{code}", json={"recipient": recipient})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def result(body):
    [value] = body["value"]
    return value["result"]


def outbox(client, **filters):
    response = client.get("/_mock/outbox", query_string=filters)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["emails"]


def confirmation_link(client, address):
    [email] = outbox(client, to=address, kind="doi_confirmation")
    return email["link"]


def members(api, list_id):
    body = api.get(f"/lists/{list_id}/recipients?_expand=true").get_json()
    return {item["email"]: item for item in body["value"]}


def accepted(inserted=0, updated=0):
    return {
        "success": {"inserted": inserted, "updated": updated},
        "error": {"failed": 0, "recipients": {"duplicate": [], "invalid": []}},
    }


def failed(duplicate=(), invalid=()):
    return {
        "success": {"inserted": 0, "updated": 0},
        "error": {
            "failed": len(duplicate) + len(invalid),
            "recipients": {
                "duplicate": [{"email": e} for e in duplicate],
                "invalid": [{"email": e} for e in invalid],
            },
        },
    }


@pytest.fixture
def code(app):
    return form_code(app)


# the form document


def test_generate_answers_the_documented_structure(client, code):
    response = client.get(f"/forms/generate/{code}")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"status", "info", "value"}
    assert body["status"] == 200
    assert body["info"] == {"count": 1}
    [form] = body["value"]
    assert set(form) == {"items", "attributes", "messages", "url"}
    assert set(form["messages"]) == MESSAGE_KEYS
    for item in form["items"]:
        assert set(item) == DOCUMENTED_ITEM_KEYS[item["type"]], item["type"]
    assert [item["type"] for item in form["items"]] == [
        "attribute",
        "gdpr_customer",
        "gdpr_n2go",
        "list",
        "submit",
    ]
    email_item = form["items"][0]
    assert (email_item["id"], email_item["attribute_sub_type"]) == ("email", "email")


def test_generate_lists_the_standard_recipient_attributes(client, code):
    [form] = client.get(f"/forms/generate/{code}").get_json()["value"]
    documented = DOCUMENTED_ATTRIBUTES
    standard = ["email", "phone", "birthday", "first_name", "last_name", "gender"]
    assert list(form["attributes"]) == standard
    for name in standard:
        assert form["attributes"][name] == documented[name], name
    assert [v["value"] for v in form["attributes"]["gender"]["values"]] == ["m", "f"]


def test_list_item_offers_the_accounts_lists_with_the_forms_list_preselected(app, api, client):
    weekly = api.create_list("Weekly news")
    code = new_form(app, weekly)
    [form] = client.get(f"/forms/generate/{code}").get_json()["value"]
    [list_item] = [item for item in form["items"] if item["type"] == "list"]
    default_list = api.default_list_id()
    assert list_item["values"] == [
        {
            "id": default_list,
            "label": "Default",
            "is_hidden": False,
            "is_preselected": False,
            "value": default_list,
        },
        {
            "id": weekly,
            "label": "Weekly news",
            "is_hidden": False,
            "is_preselected": True,
            "value": weekly,
        },
    ]


def test_form_of_one_account_does_not_show_the_lists_of_another(app, api, other_api, client):
    api.create_list("Main account only")
    [form] = client.get(f"/forms/generate/{form_code(app, OTHER_ACCOUNT)}").get_json()["value"]
    [list_item] = [item for item in form["items"] if item["type"] == "list"]
    assert [v["id"] for v in list_item["values"]] == [other_api.default_list_id()]
    assert [v["label"] for v in list_item["values"]] == ["Default"]


def test_form_url_is_built_from_the_mocks_base_url(client, code):
    [form] = client.get(f"/forms/generate/{code}").get_json()["value"]
    assert form["url"] == f"http://localhost/forms/generate/{code}"
    configured = create_app(MockConfig(accounts=[MAIN_ACCOUNT], base_url="https://n2g.test/"))
    behind_proxy = configured.test_client()
    [form] = behind_proxy.get(f"/forms/generate/{form_code(configured)}").get_json()["value"]
    assert form["url"].startswith("https://n2g.test/forms/generate/")


def test_each_form_has_its_own_texts(app, api, client):
    texts = {"message_subscribe_success": "Danke!", "message_expired_error": "Zu spät."}
    code = new_form(app, api.create_list("German"), messages=texts, labels={"submit": "Senden"})
    [form] = client.get(f"/forms/generate/{code}").get_json()["value"]
    assert form["messages"]["message_subscribe_success"] == "Danke!"
    assert form["messages"]["message_expired_error"] == "Zu spät."
    assert form["messages"]["message_subscribe_duplicate"] == (
        "You have already subscribed to the newsletter."
    )
    assert form["items"][-1] == {"label": "Senden", "type": "submit"}


def test_form_codes_look_like_the_services_ids(app, code):
    assert re.fullmatch(r"[a-z0-9]{8}", code)
    assert form_code(app, OTHER_ACCOUNT) != code


def test_an_account_can_be_seeded_with_a_known_form_code():
    spec = AccountSpec("seed:key", "seed@example.org", "pw", default_form_code="g38pecar")
    client = create_app(MockConfig(accounts=[spec])).test_client()
    assert client.get("/forms/generate/g38pecar").status_code == 200


@pytest.mark.parametrize("bad_code", ["G38PECAR", "short", "g38pecar-ijw"])
def test_a_seeded_form_code_must_look_like_an_id(bad_code):
    spec = AccountSpec("seed:key", "seed@example.org", "pw", default_form_code=bad_code)
    with pytest.raises(ValueError, match="8 lowercase letters or digits"):
        create_app(MockConfig(accounts=[spec]))


def test_two_accounts_cannot_be_seeded_with_the_same_form_code():
    first = AccountSpec("a:1", "a@example.org", "pw", default_form_code="g38pecar")
    second = AccountSpec("b:2", "b@example.org", "pw", default_form_code="g38pecar")
    with pytest.raises(ValueError, match="taken"):
        create_app(MockConfig(accounts=[first, second]))


@pytest.mark.parametrize("method", ["get", "post"])
def test_unknown_form_code_is_404_in_the_documented_error_body(client, method):
    if method == "get":
        response = client.get("/forms/generate/zzzzzzzz")
    else:
        response = client.post("/forms/submit/zzzzzzzz", json={"recipient": {"email": "a@b.de"}})
    assert response.status_code == 404
    assert response.get_json() == {
        "status": 404,
        "code": 404,
        "errorMessage": "Not Found (form zzzzzzzz not found)",
    }
    assert outbox(client) == []


def test_form_of_a_deleted_list_is_gone(app, api, client):
    weekly = api.create_list("Weekly news")
    code = new_form(app, weekly)
    assert api.delete(f"/lists/{weekly}").status_code == 200
    assert client.get(f"/forms/generate/{code}").status_code == 404
    assert client.post(f"/forms/submit/{code}", json={"recipient": {}}).status_code == 404


def test_public_endpoints_need_no_token_and_ignore_a_bad_one(client, code):
    bogus = {"Authorization": "Bearer not-a-token"}
    assert client.get(f"/forms/generate/{code}").status_code == 200
    assert client.get(f"/forms/generate/{code}", headers=bogus).status_code == 200
    response = client.post(
        f"/forms/submit/{code}", json={"recipient": {"email": "x@example.org"}}, headers=bogus
    )
    assert response.status_code == 200
    assert client.get(confirmation_link(client, "x@example.org"), headers=bogus).status_code == 200


# double opt-in, end to end over HTTP


def test_double_opt_in_end_to_end(client, api, code):
    list_id = api.default_list_id()
    body = submit(client, code, {"email": "jane@example.org", "first_name": "Jane"})
    assert body["status"] == 200
    assert body["info"] == {"count": 1}
    assert result(body) == accepted(inserted=1)
    assert "jane@example.org" not in members(api, list_id)

    [email] = outbox(client, to="jane@example.org")
    assert email["kind"] == "doi_confirmation"
    assert email["subject"]
    assert LINK.fullmatch(email["link"])
    assert email["link"] in email["body"]

    confirmed = client.get(email["link"])
    assert confirmed.status_code == 200
    assert confirmed.mimetype == "text/html"
    assert "You have successfully subscribed to the newsletter." in confirmed.get_data(as_text=True)
    jane = members(api, list_id)["jane@example.org"]
    assert jane["is_unsubscribed"] is False
    assert jane["first_name"] == "Jane"
    assert api.get(f"/lists/{list_id}/recipients").get_json()["info"]["additional"] == {"active": 1}


def test_the_confirmation_e_mail_belongs_to_the_forms_account(app, client, code):
    submit(client, code, {"email": "jane@example.org"})
    [email] = outbox(client)
    assert email["account_id"] == account_of(app).account_id
    assert email["to"] == "jane@example.org"


def test_confirmation_adds_to_the_forms_list_only(app, api, client):
    weekly = api.create_list("Weekly news")
    code = new_form(app, weekly)
    submit(client, code, {"email": "jane@example.org"})
    client.get(confirmation_link(client, "jane@example.org"))
    assert set(members(api, weekly)) == {"jane@example.org"}
    assert members(api, api.default_list_id()) == {}


def test_link_is_built_from_the_configured_base_url():
    app = create_app(MockConfig(accounts=[MAIN_ACCOUNT], base_url="https://n2g.test"))
    client = app.test_client()
    submit(client, form_code(app), {"email": "jane@example.org"})
    link = confirmation_link(client, "jane@example.org")
    assert link.startswith("https://n2g.test/forms/confirm/")
    assert client.get(urlsplit(link).path).status_code == 200


def test_the_submitted_fields_are_saved_on_confirmation(client, api, code):
    submit(
        client,
        code,
        {
            "email": " Jane@Example.org ",
            "first_name": "Jane",
            "last_name": "Doe",
            "gender": "f",
            "favourite_topic": "Gardening",
            "list_id": "notmine1",
            "is_blacklisted": True,
            "rating": 5,
        },
    )
    client.get(confirmation_link(client, "jane@example.org"))
    jane = members(api, api.default_list_id())["Jane@Example.org"]
    assert (jane["first_name"], jane["last_name"], jane["gender"]) == ("Jane", "Doe", "f")
    assert jane["favourite_topic"] == "Gardening"
    assert jane["is_blacklisted"] is False  # flags and rating are the list owner's, not the form's
    assert jane["rating"] == 0


def test_following_the_link_again_is_harmless(client, api, code):
    submit(client, code, {"email": "jane@example.org"})
    link = confirmation_link(client, "jane@example.org")
    assert client.get(link).status_code == 200
    again = client.get(link)
    assert again.status_code == 200
    assert "You have already subscribed" in again.get_data(as_text=True)
    assert list(members(api, api.default_list_id())) == ["jane@example.org"]


def test_a_used_link_does_not_bring_back_a_deleted_contact(client, api, code):
    submit(client, code, {"email": "jane@example.org"})
    link = confirmation_link(client, "jane@example.org")
    client.get(link)
    list_id = api.default_list_id()
    jane = members(api, list_id)["jane@example.org"]
    assert api.delete(f"/lists/{list_id}/recipients/{jane['id']}").status_code == 200
    assert client.get(link).status_code == 200
    assert members(api, list_id) == {}


def test_parallel_clicks_on_one_link_make_one_contact(app, client, api, code):
    submit(client, code, {"email": "jane@example.org"})
    link = confirmation_link(client, "jane@example.org")
    barrier = threading.Barrier(8)
    statuses = []

    def click():
        other_client = app.test_client()
        barrier.wait()
        statuses.append(other_client.get(link).status_code)

    threads = [threading.Thread(target=click) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 8
    assert list(members(api, api.default_list_id())) == ["jane@example.org"]


def test_two_submissions_before_confirming_give_two_links_and_one_contact(client, api, code):
    for name in ("First", "Second"):
        assert result(submit(client, code, {"email": "jane@example.org", "first_name": name})) == (
            accepted(inserted=1)
        )
    first, second = (email["link"] for email in outbox(client, to="jane@example.org"))
    assert first != second
    assert client.get(second).status_code == 200
    assert client.get(first).status_code == 200
    contacts = members(api, api.default_list_id())
    assert list(contacts) == ["jane@example.org"]
    assert contacts["jane@example.org"]["first_name"] == "First"


def test_link_expires_after_seven_days(client, api, clock, code):
    list_id = api.default_list_id()
    submit(client, code, {"email": "late@example.org"})
    submit(client, code, {"email": "early@example.org"})
    late = confirmation_link(client, "late@example.org")
    early = confirmation_link(client, "early@example.org")
    clock.advance(7 * DAY - 60)
    assert client.get(early).status_code == 200
    clock.advance(120)
    response = client.get(late)
    assert response.status_code == 404
    assert response.get_json() == {
        "status": 404,
        "code": 404,
        "errorMessage": "Not Found (Your subscription invitation has expired. Please try again.)",
    }
    assert client.get(early).status_code == 200  # a used link stays harmless
    relogged = Api(client)  # the first access token expired with the clock
    assert set(members(relogged, list_id)) == {"early@example.org"}


def test_an_expired_opt_in_can_be_started_again(client, api, clock, code):
    list_id = api.default_list_id()
    submit(client, code, {"email": "jane@example.org"})
    clock.advance(8 * DAY)
    assert result(submit(client, code, {"email": "jane@example.org"})) == accepted(inserted=1)
    fresh = outbox(client, to="jane@example.org")[-1]["link"]
    assert client.get(fresh).status_code == 200
    relogged = Api(client)  # the first access token expired with the clock
    assert set(members(relogged, list_id)) == {"jane@example.org"}


def test_unknown_confirmation_token_is_404(client):
    response = client.get("/forms/confirm/no-such-token")
    assert response.status_code == 404
    assert response.get_json() == {
        "status": 404,
        "code": 404,
        "errorMessage": "Not Found (confirmation link not found)",
    }


def test_a_link_whose_list_was_deleted_is_404(app, api, client):
    weekly = api.create_list("Weekly news")
    code = new_form(app, weekly)
    submit(client, code, {"email": "jane@example.org"})
    api.delete(f"/lists/{weekly}")
    assert client.get(confirmation_link(client, "jane@example.org")).status_code == 404


# submissions that fail


@pytest.mark.parametrize(
    "recipient",
    [
        {"email": "not-an-address"},
        {"email": "also@bad@example.org"},
        {"email": "x" * 60 + "@example.org"},
        {"email": ""},
        {"email": 42},
        {"first_name": "No email"},
        {"email": "jane@example.org", "gender": "x"},
        {"email": "jane@example.org", "bad-name": "attribute names are [0-9a-zA-Z_]"},
    ],
)
def test_invalid_recipients_are_reported_and_get_no_e_mail(client, api, code, recipient):
    body = submit(client, code, recipient)
    assert body["info"] == {"count": 0}
    assert result(body) == failed(invalid=[recipient.get("email")])
    assert outbox(client) == []
    assert members(api, api.default_list_id()) == {}


def test_a_subscribed_address_is_a_duplicate_and_gets_no_e_mail(client, api, code):
    api.add(api.default_list_id(), {"email": "jane@example.org"})
    body = submit(client, code, {"email": "JANE@example.org"})
    assert body["info"] == {"count": 0}
    assert result(body) == failed(duplicate=["JANE@example.org"])
    assert outbox(client) == []


def test_an_address_in_another_list_is_not_a_duplicate(client, api, code):
    api.add(api.create_list("Weekly news"), {"email": "jane@example.org"})
    assert result(submit(client, code, {"email": "jane@example.org"})) == accepted(inserted=1)


def test_an_unsubscribed_contact_can_opt_in_again(client, api, code):
    list_id = api.default_list_id()
    [jane_id] = api.add(list_id, {"email": "jane@example.org", "first_name": "Jane"})
    api.patch(f"/lists/{list_id}/recipients/{jane_id}", json={"is_unsubscribed": True})
    body = submit(client, code, {"email": "jane@example.org", "last_name": "Doe"})
    assert body["info"] == {"count": 1}
    assert result(body) == accepted(updated=1)
    assert members(api, list_id)["jane@example.org"]["is_unsubscribed"] is True

    assert client.get(confirmation_link(client, "jane@example.org")).status_code == 200
    jane = members(api, list_id)["jane@example.org"]
    assert jane["id"] == jane_id
    assert jane["is_unsubscribed"] is False
    assert (jane["first_name"], jane["last_name"]) == ("Jane", "Doe")


@pytest.mark.parametrize(
    "raw",
    [
        "{}",
        '{"recipient": null}',
        '{"recipient": "jane@example.org"}',
        '{"recipient": [{"email": "jane@example.org"}]}',
        '[{"recipient": {"email": "jane@example.org"}}]',
        '"jane@example.org"',
        "",
        "{not json",
    ],
)
def test_a_body_without_a_recipient_object_is_400(client, code, raw):
    response = client.post(
        f"/forms/submit/{code}", data=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    body = response.get_json()
    assert set(body) == {"status", "code", "errorMessage"}
    assert (body["status"], body["code"]) == (400, 400)
    assert outbox(client) == []


def test_documented_submit_example_body_is_reproduced(client, code):
    """The collection's example: its unfilled `{{attribute_name}}` makes the recipient invalid."""
    documented = DOCUMENTED_SUBMIT_BODY
    response = client.post(
        f"/forms/submit/{code}",
        json={
            "recipient": {
                "email": "email@example.org",
                "first_name": "John",
                "last_name": "Doe",
                "{{attribute_name}}": "Attribute Value",
            }
        },
    )
    assert response.status_code == 200
    assert response.get_json() == documented
