"""Errors: always the documented body, never a traceback, never a partial write."""

import pytest

from mock_n2g.backend.recipients import RecipientService

ERROR_KEYS = {"status", "code", "errorMessage"}


def assert_documented_error(response, status):
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == ERROR_KEYS
    assert body["status"] == status
    assert body["code"] == status
    assert "Traceback" not in response.get_data(as_text=True)
    return body


@pytest.mark.parametrize("path", ["/nothing-here", "/lists/abcdefgh/nothing", "/recipient"])
def test_unknown_endpoint_is_404(api, path):
    body = assert_documented_error(api.get(path), 404)
    assert body["errorMessage"] == "Not Found"


@pytest.mark.parametrize(
    ("method", "path"),
    [("put", "/lists"), ("delete", "/lists"), ("post", "/lists/abcdefgh"), ("put", "/recipients")],
)
def test_wrong_method_is_405_with_allow(api, method, path):
    response = getattr(api.client, method)(path, headers=api.headers())
    assert_documented_error(response, 405)
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize("raw", ['{"name": ', "{'name': 'x'}", "\xff\xfe", "[1,"])
@pytest.mark.parametrize("path", ["/lists", "/recipients"])
def test_malformed_json_is_400(api, raw, path):
    response = api.post(path, data=raw.encode("latin-1"), content_type="application/json")
    body = assert_documented_error(response, 400)
    assert "JSON" in body["errorMessage"]


def test_empty_body_on_create_is_400(api):
    assert_documented_error(api.post("/recipients", data=b""), 400)


def test_body_over_one_mebibyte_is_413_and_nothing_is_saved(api):
    big = [{"email": f"user{i}@example.org", "last_name": "x" * 200} for i in range(5000)]
    response = api.post("/recipients", json=big)
    assert_documented_error(response, 413)
    assert api.get("/recipients").get_json()["info"]["count"] == 0


def test_a_body_just_under_the_limit_is_accepted(api):
    entries = [{"email": f"user{i}@example.org", "last_name": "x" * 150} for i in range(4000)]
    response = api.post("/recipients", json=entries)
    assert response.status_code == 201
    assert response.get_json()["info"]["count"] == 4000


def test_a_bug_in_the_mock_is_a_plain_500_without_traceback(api, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(RecipientService, "page", explode)
    response = api.get("/recipients")
    body = assert_documented_error(response, 500)
    assert "secret internal detail" not in response.get_data(as_text=True)
    assert body["errorMessage"] == "Internal Server Error"


def test_json_content_type_on_get_and_delete_without_body_is_fine(api):
    headers = {"Content-Type": "application/json"}
    assert api.get("/lists?_expand=1", headers=headers).status_code == 200
    list_id = api.create_list("Gone")
    assert api.delete(f"/lists/{list_id}", headers=headers).status_code == 200


def test_validation_error_has_the_documented_shape(api):
    response = api.post("/lists", json={"name": ""})
    assert response.status_code == 422
    assert response.get_json() == {
        "status": 422,
        "code": 10003,
        "errorMessage": "Error during input validation",
        "moreInfo": {
            "errors": [{"code": 10003, "fieldName": "name", "message": "name must not be empty"}]
        },
    }


@pytest.mark.parametrize("body", ["[]", '"name"', "7"])
def test_body_that_is_not_an_object_is_400_where_an_object_is_expected(api, body):
    list_id = api.create_list("Object please")
    response = api.patch(f"/lists/{list_id}", data=body, content_type="application/json")
    body = assert_documented_error(response, 400)
    assert "JSON object" in body["errorMessage"]
