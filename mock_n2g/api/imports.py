"""File import: upload a CSV, start the import with a column mapping, read its report."""

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from mock_n2g.api import envelope
from mock_n2g.api.access import account, authenticate, backend, json_object
from mock_n2g.api.forms import confirm_url
from mock_n2g.errors import bad_request

UNNAMED = "upload.csv"  # a part without a file name

blueprint = Blueprint("imports", __name__)
blueprint.before_request(authenticate)


@blueprint.post("/lists/<list_id>/recipients/import/init")
def upload_file(list_id: str) -> ResponseReturnValue:
    """Multipart upload, field `file` (a file part, or its text as a plain part, as `curl -F
    'file=<contacts.csv'` sends it); answers `{"success": true, "file": id}`, no envelope."""
    uploaded = request.files.get("file")
    if uploaded is not None:
        filename, content = uploaded.filename or UNNAMED, uploaded.read()
    elif "file" in request.form:
        filename, content = UNNAMED, request.form["file"].encode("utf-8")
    else:
        raise bad_request("upload the CSV file as the multipart field 'file'")
    upload = backend().imports.upload(account(), list_id, filename, content)
    return jsonify({"success": True, "file": upload.id})


@blueprint.post("/lists/<list_id>/recipients/import/save")
def start_import(list_id: str) -> ResponseReturnValue:
    report = backend().imports.save(account(), list_id, json_object(), confirm_url)
    return envelope.envelope(201, [{"id": report.id}], 1)


@blueprint.get("/import/<import_id>/info")
def import_info(import_id: str) -> ResponseReturnValue:
    report = backend().imports.report(account(), import_id)
    return envelope.envelope(200, [report.as_json()], 1)
