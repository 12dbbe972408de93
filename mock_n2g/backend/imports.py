"""File import of recipients: upload a CSV, map its columns, import it once, read the report."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mock_n2g.backend.accounts import Account
from mock_n2g.backend.fields import email_problem
from mock_n2g.backend.forms import FormService
from mock_n2g.backend.groups import GroupService
from mock_n2g.backend.recipients import ATTRIBUTE_NAME, RecipientService
from mock_n2g.backend.store import Store
from mock_n2g.errors import ApiError, FieldProblem, ValidationError, bad_request, not_found

IMPORT_RUNNING_CODE = 10019
COLUMN = re.compile(r"[0-9]+")  # ASCII digits: `str.isdigit` takes "²", which `int` refuses
DELIMITERS = ",;\t|"


@dataclass
class Upload:
    """An uploaded file: its rows, waiting for a column mapping."""

    id: str
    list_id: str
    filename: str
    rows: list[list[str]]
    import_id: str | None = None  # set once saved: a file is imported once


@dataclass
class ImportReport:
    id: str
    filename: str
    count_inserted: int = 0
    count_updated: int = 0
    duplicate_recipients: list[dict[str, Any]] = field(default_factory=list)
    invalid_recipients: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "count_inserted": self.count_inserted,
            "count_updated": self.count_updated,
            "count_failed": len(self.duplicate_recipients) + len(self.invalid_recipients),
            "duplicate_recipients": self.duplicate_recipients,
            "invalid_recipients": self.invalid_recipients,
            "file": self.filename,
        }


def parse_csv(filename: str, content: bytes) -> list[list[str]]:
    """The rows of a CSV file (UTF-8, or Latin-1 as spreadsheet programs write it)."""
    if not filename.lower().endswith((".csv", ".txt")):
        raise bad_request(f"the mock imports CSV files only, not {filename!r}")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("latin-1")
    if "\x00" in text:
        raise bad_request(f"the mock imports CSV files only; {filename!r} is binary")
    if not text.strip():
        raise bad_request(f"{filename!r} is empty")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=DELIMITERS)
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise bad_request(f"{filename!r} is not valid CSV: {error}") from None
    return [row for row in rows if any(cell.strip() for cell in row)]


def _associations(raw: Any, width: int) -> dict[int, str]:
    """Column index → field name; the e-mail column is required."""
    problems = []
    if not isinstance(raw, dict) or not raw:
        raise ValidationError([FieldProblem("associations", "associations must map columns")])
    mapping: dict[int, str] = {}
    for column, name in raw.items():
        if not COLUMN.fullmatch(column) or int(column) >= max(width, 1):
            problems.append(FieldProblem("associations", f"no column {column} in the file"))
        elif not isinstance(name, str) or not ATTRIBUTE_NAME.fullmatch(name):
            problems.append(FieldProblem("associations", f"column {column}: bad field {name!r}"))
        else:
            mapping[int(column)] = name
    if "email" not in raw.values():  # (a column the file lacks is reported above)
        problems.append(FieldProblem("associations", "one column must be associated to email"))
    if problems:
        raise ValidationError(problems)
    return mapping


class ImportService:
    """Uploads and imports per account."""

    def __init__(
        self,
        store: Store,
        recipients: RecipientService,
        groups: GroupService,
        forms: FormService,
    ) -> None:
        self._store = store
        self._recipients = recipients
        self._groups = groups
        self._forms = forms
        self._uploads: dict[str, tuple[str, Upload]] = {}  # by file id: (account id, upload)
        self._reports: dict[str, tuple[str, ImportReport]] = {}  # by import id

    def forget_account(self, account_id: str) -> None:
        """Drop an account's uploads and import reports (its data is being reset)."""
        with self._store.lock:
            for index in (self._uploads, self._reports):
                for key in [k for k, (owner, _) in index.items() if owner == account_id]:
                    del index[key]

    def upload(self, account: Account, list_id: str, filename: str, content: bytes) -> Upload:
        with self._store.lock:
            account.list_of(list_id)
        rows = parse_csv(filename, content)
        with self._store.lock:
            upload = Upload(self._store.new_id(), list_id, filename, rows)
            self._store.other_ids.add(upload.id)
            self._uploads[upload.id] = (account.account_id, upload)
        return upload

    def save(
        self,
        account: Account,
        list_id: str,
        payload: dict[str, Any],
        confirm_url: Callable[[str], str],
    ) -> ImportReport:
        """Import an uploaded file into the list; a file already imported is 400/10019."""
        store = self._store
        with store.lock:
            account.list_of(list_id)
            upload = self._upload(account, list_id, payload.get("file"))
            if upload.import_id is not None:
                raise ApiError(
                    400,
                    code=IMPORT_RUNNING_CODE,
                    message="Bad Request (Import alredy in progress)",  # sic, as documented
                )
            width = max((len(row) for row in upload.rows), default=0)
            mapping = _associations(payload.get("associations"), width)
            group_id, doi_form = payload.get("groupId"), payload.get("doi_form_id")
            if group_id and self._groups.get(account, str(group_id), list_id).is_dynamic:
                raise bad_request("an import cannot add recipients to a dynamic segment")
            if doi_form:
                form_account, _ = self._forms.get(str(doi_form))
                if form_account is not account:
                    raise not_found("form", str(doi_form))
            if payload.get("emptyBeforeImport") is True:
                self._recipients.delete_where(account, list_id, None)
            report = ImportReport(store.new_id(), upload.filename)
            entries = self._sort_rows(upload.rows, mapping, report)
            if doi_form:
                self._opt_in(str(doi_form), entries, report, confirm_url)
            else:
                imported = self._insert(account, list_id, entries, report)
                for recipient_id in imported if group_id else ():
                    self._groups.add_member(account, list_id, str(group_id), recipient_id)
            upload.import_id = report.id
            store.other_ids.add(report.id)
            self._reports[report.id] = (account.account_id, report)
        return report

    def report(self, account: Account, import_id: str) -> ImportReport:
        with self._store.lock:
            owner, report = self._reports.get(import_id, (None, None))
        if report is None or owner != account.account_id:
            raise not_found("import", import_id)
        return report

    # internals (callers hold the lock)

    def _upload(self, account: Account, list_id: str, file_id: Any) -> Upload:
        if not isinstance(file_id, str) or not file_id:
            raise ValidationError([FieldProblem("file", "file is required")])
        owner, upload = self._uploads.get(file_id, (None, None))
        if upload is None or owner != account.account_id or upload.list_id != list_id:
            raise not_found("file", file_id)
        return upload

    @staticmethod
    def _sort_rows(
        rows: list[list[str]], mapping: dict[int, str], report: ImportReport
    ) -> list[dict[str, Any]]:
        """Mapped rows with a new, valid address; invalid and repeated ones go to the report.

        The first row is taken for a header when none of its cells is an e-mail address.
        """
        if rows and not any(email_problem(cell.strip()) is None for cell in rows[0]):
            rows = rows[1:]
        entries, seen = [], set()
        for row in rows:
            entry = {
                name: row[column].strip()
                for column, name in mapping.items()
                if column < len(row) and row[column].strip()
            }
            email = entry.get("email", "")
            if email_problem(email) is not None:
                report.invalid_recipients.append(entry)
            elif email.lower() in seen:
                report.duplicate_recipients.append(entry)
            else:
                seen.add(email.lower())
                entries.append(entry)
        return entries

    def _insert(
        self, account: Account, list_id: str, entries: list[dict[str, Any]], report: ImportReport
    ) -> list[str]:
        known = account.lists[list_id].by_email
        existed = {entry["email"].lower() for entry in entries if entry["email"].lower() in known}
        result = self._recipients.upsert(account, [{**e, "list_id": list_id} for e in entries])
        report.invalid_recipients.extend(
            {k: v for k, v in entry.items() if k != "list_id"} for entry in result.invalid
        )
        for recipient in result.recipients:
            if recipient.email.lower() in existed:
                report.count_updated += 1
            else:
                report.count_inserted += 1
        return [recipient.id for recipient in result.recipients]

    def _opt_in(
        self,
        form_code: str,
        entries: list[dict[str, Any]],
        report: ImportReport,
        confirm_url: Callable[[str], str],
    ) -> None:
        """With `doi_form_id`, every address gets the form's confirmation e-mail instead."""
        for entry in entries:
            result = self._forms.submit(form_code, entry, confirm_url)
            report.count_inserted += result.inserted
            report.count_updated += result.updated
            report.invalid_recipients.extend(result.invalid)
