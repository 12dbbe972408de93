"""File import: CSV upload, column mapping, a file imported once, and the import report."""

import io

import pytest

ASSOCIATIONS = {"0": "email", "1": "first_name", "2": "last_name"}
CSV = (
    "email,first_name,last_name\n"
    "anna@example.org,Anna,Alt\n"
    "ben@example.org,Ben,Bauer\n"
    "not-an-address,Nobody,Null\n"
    "ANNA@example.org,Anna,Again\n"
    "\n"
    "existing@example.org,Eva,Exists\n"
)


@pytest.fixture
def list_id(api):
    list_id = api.create_list("Imported")
    api.add(list_id, {"email": "existing@example.org", "first_name": "Old"})
    return list_id


def upload(api, list_id, content=CSV, filename="import.csv"):
    data = {
        "file": (io.BytesIO(content.encode() if isinstance(content, str) else content), filename)
    }
    return api.post(
        f"/lists/{list_id}/recipients/import/init", data=data, content_type="multipart/form-data"
    )


def start(api, list_id, file_id, **extra):
    return api.post(
        f"/lists/{list_id}/recipients/import/save",
        json={"file": file_id, "associations": ASSOCIATIONS, **extra},
    )


def emails(api, list_id):
    body = api.get(f"/lists/{list_id}/recipients?_expand=1&_limit=100").get_json()
    return {item["email"]: item.get("first_name") for item in body["value"]}


def test_upload_answers_the_documented_body(api, list_id):
    response = upload(api, list_id)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"success", "file"}
    assert body["success"] is True
    assert len(body["file"]) == 8


def test_import_and_its_report(api, list_id):
    file_id = upload(api, list_id).get_json()["file"]
    response = start(api, list_id, file_id)
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == 201
    assert body["info"] == {"count": 1}
    import_id = body["value"][0]["id"]
    info = api.get(f"/import/{import_id}/info").get_json()
    assert info["info"] == {"count": 1}
    assert info["value"][0] == {
        "count_inserted": 2,
        "count_updated": 1,
        "count_failed": 2,
        "duplicate_recipients": [
            {"email": "ANNA@example.org", "first_name": "Anna", "last_name": "Again"}
        ],
        "invalid_recipients": [
            {"email": "not-an-address", "first_name": "Nobody", "last_name": "Null"}
        ],
        "file": "import.csv",
    }
    assert emails(api, list_id) == {
        "existing@example.org": "Eva",
        "anna@example.org": "Anna",
        "ben@example.org": "Ben",
    }


def test_saving_the_same_file_again_is_the_documented_10019(api, list_id):
    file_id = upload(api, list_id).get_json()["file"]
    assert start(api, list_id, file_id).status_code == 201
    again = start(api, list_id, file_id)
    assert again.status_code == 400
    assert again.get_json() == {
        "status": 400,
        "code": 10019,
        "errorMessage": "Bad Request (Import alredy in progress)",
    }


def test_semicolons_and_no_header_row_and_attributes(api, list_id):
    content = "dora@example.org;Dora;gold\neli@example.org;Eli;silver\n"
    file_id = upload(api, list_id, content).get_json()["file"]
    response = start(
        api, list_id, file_id, associations={"0": "email", "1": "first_name", "2": "Tier"}
    )
    report = api.get(f"/import/{response.get_json()['value'][0]['id']}/info").get_json()
    assert report["value"][0]["count_inserted"] == 2
    body = api.get(f"/lists/{list_id}/recipients?_fields=email,Tier").get_json()
    assert {i["email"]: i.get("Tier") for i in body["value"]}["eli@example.org"] == "silver"


def test_latin1_file_is_read(api, list_id):
    content = "email,first_name\njörg@example.org,Jörg\n".encode("latin-1")
    file_id = upload(api, list_id, content).get_json()["file"]
    start(api, list_id, file_id, associations={"0": "email", "1": "first_name"})
    assert emails(api, list_id)["jörg@example.org"] == "Jörg"


def test_empty_before_import_replaces_the_list(api, list_id):
    file_id = upload(api, list_id).get_json()["file"]
    start(api, list_id, file_id, emptyBeforeImport=True)
    info = emails(api, list_id)
    assert "existing@example.org" in info  # it is in the file too
    assert info["existing@example.org"] == "Eva"
    assert len(info) == 3


def test_group_id_adds_the_imported_contacts_to_the_segment(api, list_id):
    group_id = api.post("/groups", json={"list_id": list_id, "name": "Imported"}).get_json()[
        "value"
    ][0]["id"]
    file_id = upload(api, list_id).get_json()["file"]
    start(api, list_id, file_id, groupId=group_id)
    members = api.get(f"/lists/{list_id}/groups/{group_id}/recipients").get_json()
    assert members["info"]["count"] == 3


def test_dynamic_segment_is_refused_before_anything_is_imported(api, list_id):
    group = api.post(
        "/groups",
        json={"list_id": list_id, "name": "Dyn", "is_dynamic": True, "filter": 'first_name=="x"'},
    )
    file_id = upload(api, list_id).get_json()["file"]
    response = start(api, list_id, file_id, groupId=group.get_json()["value"][0]["id"])
    assert response.status_code == 400
    assert len(emails(api, list_id)) == 1


def test_doi_form_sends_confirmations_instead_of_inserting(api, app, list_id):
    backend = app.extensions["n2g_backend"]
    account = next(a for a in backend.accounts() if a.spec.username == "main@example.org")
    form = backend.forms.create(account, list_id)
    file_id = upload(api, list_id).get_json()["file"]
    response = start(api, list_id, file_id, doi_form_id=form.code)
    report = api.get(f"/import/{response.get_json()['value'][0]['id']}/info").get_json()["value"][0]
    assert report["count_inserted"] == 2
    assert set(emails(api, list_id)) == {"existing@example.org"}
    outbox = api.client.get("/_mock/outbox?kind=doi_confirmation").get_json()["emails"]
    assert sorted(e["to"] for e in outbox) == ["anna@example.org", "ben@example.org"]


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (b"PK\x03\x04\x14\x00binary", "contacts.xlsx"),
        (b"email\x00\x01\x02", "contacts.csv"),
        (b"   \n", "empty.csv"),
    ],
)
def test_other_formats_get_a_clear_400(api, list_id, content, filename):
    response = upload(api, list_id, content, filename)
    assert response.status_code == 400
    assert (
        "CSV" in response.get_json()["errorMessage"]
        or "empty" in response.get_json()["errorMessage"]
    )


def test_upload_without_a_file_is_400(api, list_id):
    response = api.post(
        f"/lists/{list_id}/recipients/import/init", data={}, content_type="multipart/form-data"
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "associations",
    [{}, {"0": "first_name"}, {"9": "email"}, {"0": "email", "1": "bad name"}, "email"],
)
def test_bad_associations_are_422_and_import_nothing(api, list_id, associations):
    file_id = upload(api, list_id).get_json()["file"]
    response = start(api, list_id, file_id, associations=associations)
    assert response.status_code == 422
    assert response.get_json()["moreInfo"]["errors"][0]["fieldName"] == "associations"
    assert len(emails(api, list_id)) == 1
    assert start(api, list_id, file_id).status_code == 201  # the file is still unused


def test_unknown_file_list_or_import_is_404(api, list_id):
    assert start(api, list_id, "zzzzzzzz").status_code == 404
    assert upload(api, "zzzzzzzz").status_code == 404
    assert api.get("/import/zzzzzzzz/info").status_code == 404
    file_id = upload(api, list_id).get_json()["file"]
    other_list = api.create_list("Other")
    assert start(api, other_list, file_id).status_code == 404


def test_uploads_and_imports_of_another_account_are_404(api, other_api, list_id):
    file_id = upload(api, list_id).get_json()["file"]
    import_id = start(api, list_id, file_id).get_json()["value"][0]["id"]
    their_list = other_api.create_list("Theirs")
    assert other_api.get(f"/import/{import_id}/info").status_code == 404
    assert start(other_api, their_list, file_id).status_code == 404
