"""Mailing records: the fields of a mailing and its versions, their checks and statistics."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mock_n2g.backend.fields import EMAIL, FLAG, TEXT, FieldRule, check_fields
from mock_n2g.backend.recipients import Recipient
from mock_n2g.clock import format_timestamp
from mock_n2g.errors import FieldProblem, ValidationError

TYPES = ("default", "transaction", "doi")
TRIGGERED_TYPES = ("transaction", "doi")  # sent per call with contexts, switched active/inactive
STATES = ("draft", "progress", "sent", "active", "inactive")
CONTENT_RULES: dict[str, FieldRule] = {
    "name": TEXT,
    "subject": TEXT,
    "preheader": TEXT,
    "header_from_email": EMAIL,
    "header_from_name": TEXT,
    "header_reply_email": EMAIL,
    "header_reply_name": TEXT,
    "html": FieldRule("str", max_length=1_048_576),
}
CONTENT_FIELDS = (*CONTENT_RULES, "json")  # `json` (NML) is stored as sent: text or object
# A new mailing's tracking flags follow its list's settings (the collection documents this for
# the header_* fields; the service plausibly treats the list's tracking defaults alike).
TRACKING_FROM_LIST = {
    "has_open_tracking": "has_opentracking",
    "has_click_tracking": "has_clicktracking",
    "has_conversion_tracking": "has_conversiontracking",
    "has_google_analytics_tracking": "uses_googleanalytics",
    "has_econda_tracking": "uses_econda",
    "has_custom_tracking": None,
}
HEADER_FIELDS = ("header_from_email", "header_from_name", "header_reply_email", "header_reply_name")
SETTING_RULES: dict[str, FieldRule] = {
    "type": FieldRule("choice", choices=TYPES),
    "state": FieldRule("choice", choices=("active", "inactive")),
    "is_deleted": FLAG,
    "list_selected": FLAG,
    **dict.fromkeys(TRACKING_FROM_LIST, FLAG),
}
ID_LISTS = ("group_ids", "recipient_ids")  # the audience a PATCH may store for later sends
FIXED = {
    "is_disabled": False,
    "is_duplicatable": True,
    "is_approved": False,
    "is_archived": False,
    "is_anonymized": False,
    "ip_class": 0,
}
ZERO_COUNTERS = (
    "hard_bounces",
    "soft_bounces",
    "spam_bounces",
    "opens",
    "unique_opens",
    "clicks",
    "unique_clicks",
    "conversions",
    "conversions_sum",
    "unsubscribes",
    "complaints",
)  # nobody opens, clicks or bounces a mock e-mail
DEFAULT_FIELDS = (
    *("id", "company_id", "list_id", "modified_at", "created_at", "type", "name", "state"),
    *("is_deleted", *FIXED, "progress_count", *TRACKING_FROM_LIST),
    *("statistic_last_sent", "statistic_mail_count", *(f"statistic_{c}" for c in ZERO_COUNTERS)),
)
# Readable with `_fields` only: the content, the stored audience, the last send's schedule.
MAILING_FIELDS = frozenset(DEFAULT_FIELDS) | {
    *CONTENT_FIELDS,
    *ID_LISTS,
    "list_selected",
    "scheduled",
}
VERSION_DEFAULT_FIELDS = ("id", "newsletter_id", "created_at", *CONTENT_FIELDS)
VERSION_FIELDS = frozenset(VERSION_DEFAULT_FIELDS)
SCHEDULED_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def _shown(value_of: Callable[[str], Any], names: Iterable[str]) -> dict[str, Any]:
    shown = {}
    for name in names:
        value = value_of(name)
        if value is not None:
            shown[name] = value
    return shown


@dataclass(eq=False)
class Version:
    """The content of a mailing as saved at one moment."""

    id: str
    newsletter_id: str
    created_at: float
    content: dict[str, Any]

    def value(self, name: str) -> Any:
        if name == "created_at":
            return format_timestamp(self.created_at)
        return getattr(self, name) if name in ("id", "newsletter_id") else self.content.get(name)

    def representation(self, fields: list[str] | None = None) -> dict[str, Any]:
        names = VERSION_DEFAULT_FIELDS if fields is None else fields
        return _shown(self.value, (n for n in names if n in VERSION_FIELDS))


@dataclass(eq=False)
class Mailing:
    """One mailing of one list, with its send statistics."""

    id: str
    seq: int
    account_id: str
    company_id: str
    list_id: str
    type: str
    state: str
    created_at: float
    values: dict[str, Any]  # content, tracking flags, is_deleted and the stored audience
    modified_at: float = 0.0
    versions: list[Version] = field(default_factory=list)
    mail_count: int = 0
    last_sent: float | None = None
    scheduled: float | None = None
    daily: dict[str, int] = field(default_factory=dict)  # e-mails per UTC sending day

    def value(self, name: str) -> Any:
        if name in ("id", "company_id", "list_id", "type", "state"):
            return getattr(self, name)
        if name in ("created_at", "modified_at", "scheduled", "statistic_last_sent"):
            moment = self.last_sent if name == "statistic_last_sent" else getattr(self, name)
            return None if moment is None else format_timestamp(moment)
        if name in ("progress_count", "statistic_mail_count"):
            return self.mail_count
        if name.startswith("statistic_"):
            return 0
        return FIXED[name] if name in FIXED else self.values.get(name)

    def representation(self, fields: list[str] | None = None) -> dict[str, Any]:
        """The documented fields (or the requested ones); unset ones are left out."""
        names = DEFAULT_FIELDS if fields is None else fields
        return _shown(self.value, (n for n in names if n in MAILING_FIELDS))

    def body(self) -> str:
        """What an e-mail of this mailing carries: its HTML, else its NML, as stored."""
        content = self.values.get("html") or self.values.get("json") or ""
        return content if isinstance(content, str) else json.dumps(content)


def statistics(mailings: list[Mailing]) -> dict[str, Any]:
    """The sums of `info.additional`; the average is per mailing and sending day, as the
    collection's figures show (1589 / 10.7365 = 148.0 rows, 1591 / 10.6779 = 149 rows)."""
    mail_count = sum(m.mail_count for m in mailings)
    rows = sum(len(m.daily) for m in mailings)
    average = round(mail_count / rows, 4) if rows else 0
    counters = {("sum_" + c[:-4] if c.endswith("_sum") else c): 0 for c in ZERO_COUNTERS}
    return {"mail_count": mail_count, "ave_mail_count": average, **counters}


def checked_fields(
    rules: dict[str, FieldRule], payload: dict[str, Any]
) -> tuple[dict[str, Any], list[FieldProblem]]:
    """`check_fields`, plus the arrays of ids `group_ids` and `recipient_ids`."""
    values, problems = check_fields(rules, payload)
    for name in ID_LISTS:
        value = payload.get(name)
        if value is None:
            continue
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            values[name] = value
        else:
            problems.append(FieldProblem(name, f"{name} must be an array of ids"))
    return values, problems


def check_values(payload: dict[str, Any], mailing_type: str | None) -> dict[str, Any]:
    """The known fields of a create (`mailing_type` None) or PATCH body, checked; 422 if bad."""
    values, problems = checked_fields({**CONTENT_RULES, **SETTING_RULES}, payload)
    if payload.get("json") is not None:
        if isinstance(payload["json"], str | dict | list):
            values["json"] = payload["json"]
        else:
            problems.append(FieldProblem("json", "json must be NML text or a JSON object"))
    problem_fields = {p.field_name for p in problems}
    if "name" in values and not values["name"].strip():
        problems.append(FieldProblem("name", "name must not be empty"))
    elif mailing_type is None and "name" not in values and "name" not in problem_fields:
        problems.append(FieldProblem("name", "name is required"))
    if mailing_type is not None and values.get("type", mailing_type) != mailing_type:
        problems.append(FieldProblem("type", "the type of a mailing cannot be changed"))
    if "state" in values and values.get("type", mailing_type or "default") not in TRIGGERED_TYPES:
        # The state of a one-time mailing follows its sending (draft, sent); only transaction
        # and doi mailings are switched active/inactive by the client.
        problems.append(
            FieldProblem(
                "state", "state can only be set on mailings of type 'transaction' or 'doi'"
            )
        )
    if problems:
        raise ValidationError(problems)
    return values


def scheduled_time(payload: dict[str, Any], now: float) -> float | None:
    """`scheduled` as epoch seconds (a past time means now); 422 when malformed."""
    raw = payload.get("scheduled")
    if raw is None:
        return None
    try:
        moment = datetime.strptime(raw, SCHEDULED_FORMAT).timestamp()
    except (TypeError, ValueError):
        message = "scheduled must be a time like 2018-08-08T17:02:12+0200"
        raise ValidationError([FieldProblem("scheduled", message)]) from None
    return max(moment, now)


def blocked(recipient: Recipient, *, newsletter: bool) -> bool:
    """Whether an address gets no e-mail: blacklisted, bounced, or (newsletters) unsubscribed."""
    return (
        recipient.is_blacklisted
        or recipient.is_bounced
        or (newsletter and recipient.is_unsubscribed)
    )
