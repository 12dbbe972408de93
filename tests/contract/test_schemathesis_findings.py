"""What schemathesis found in the mock, each fixed there: the input it failed on, as a test."""

import io

from tests.support import MAIN_ACCOUNT, PASSWORD_GRANT, basic


def upload(api, list_id: str, data: dict) -> dict:
    response = api.post(f"/lists/{list_id}/recipients/import/init", data=data)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_a_token_parameter_of_the_wrong_type_is_invalid_request_even_with_basic(client):
    """Was a 200: the body's `client_secret: 123` went unread because Basic was there."""
    for name in ("client_secret", "client_id", "refresh_token"):
        body = {
            "username": MAIN_ACCOUNT.username,
            "password": MAIN_ACCOUNT.password,
            "grant_type": PASSWORD_GRANT,
            name: 123,
        }
        response = client.post("/oauth/v2/token", headers=basic(MAIN_ACCOUNT.auth_key), json=body)
        assert response.status_code == 400, name
        assert response.get_json()["error"] == "invalid_request"


def test_a_null_token_parameter_is_not_given(client):
    body = {
        "username": MAIN_ACCOUNT.username,
        "password": MAIN_ACCOUNT.password,
        "grant_type": PASSWORD_GRANT,
        "refresh_token": None,
        "client_id": None,
    }
    response = client.post("/oauth/v2/token", headers=basic(MAIN_ACCOUNT.auth_key), json=body)
    assert response.status_code == 200, response.get_data(as_text=True)


def test_an_integral_number_is_an_integer(api):
    """Was a 422 "rating must be an integer" for `"rating": 0.0` (JSON has one number type)."""
    list_id = api.create_list()
    [recipient_id] = api.add(list_id, {"email": "max@example.org"})
    response = api.patch(f"/lists/{list_id}/recipients/{recipient_id}", json={"rating": 3.0})
    assert response.status_code == 200, response.get_data(as_text=True)
    shown = api.get(f"/recipients/{recipient_id}").get_json()["value"][0]
    assert shown["rating"] == 3
    assert isinstance(shown["rating"], int)
    too_much = api.patch(f"/lists/{list_id}/recipients/{recipient_id}", json={"rating": 2.5})
    assert too_much.status_code == 422


def test_the_import_file_may_come_as_a_plain_part(api):
    """Was a 400: a `file` part without a file name (`curl -F 'file=<contacts.csv'`)."""
    list_id = api.create_list()
    answer = upload(api, list_id, {"file": "email\nmax@example.org\n"})
    response = api.post(
        f"/lists/{list_id}/recipients/import/save",
        json={"file": answer["file"], "associations": {"0": "email"}},
    )
    assert response.status_code == 201, response.get_data(as_text=True)


def test_a_csv_with_carriage_returns_for_line_ends_is_read(api):
    """Was a 400 "new-line character seen in unquoted field" (old Mac and some Excel files)."""
    list_id = api.create_list()
    csv = io.BytesIO(b"email,first_name\rmax@example.org,Max\rerika@example.org,Erika\r")
    answer = upload(api, list_id, {"file": (csv, "contacts.csv")})
    response = api.post(
        f"/lists/{list_id}/recipients/import/save",
        json={"file": answer["file"], "associations": {"0": "email", "1": "first_name"}},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    report = api.get(f"/import/{response.get_json()['value'][0]['id']}/info").get_json()
    assert report["value"][0]["count_inserted"] == 2


def test_a_column_that_is_no_ascii_number_is_invalid(api):
    """Was a 500: `str.isdigit` takes "²", which `int` then refuses."""
    list_id = api.create_list()
    answer = upload(api, list_id, {"file": (io.BytesIO(b"max@example.org\n"), "c.csv")})
    for column in ("\u00b2", "\u0663", "-1", " 0"):
        response = api.post(
            f"/lists/{list_id}/recipients/import/save",
            json={"file": answer["file"], "associations": {column: "email"}},
        )
        assert response.status_code == 422, (column, response.get_data(as_text=True))


def test_an_email_column_the_file_lacks_is_reported_once(api):
    """Was two errors, the second false: `{"31243185770213": "email"}` does name an email column."""
    list_id = api.create_list()
    answer = upload(api, list_id, {"file": (io.BytesIO(b"max@example.org\n"), "c.csv")})
    response = api.post(
        f"/lists/{list_id}/recipients/import/save",
        json={"file": answer["file"], "associations": {"31243185770213": "email"}},
    )
    assert response.status_code == 422
    errors = response.get_json()["moreInfo"]["errors"]
    assert [error["message"] for error in errors] == ["no column 31243185770213 in the file"]
