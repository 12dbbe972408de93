"""Subscription forms: the public sign-up to a list, with double opt-in by an e-mailed link."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mock_n2g.backend.accounts import Account
from mock_n2g.backend.outbox import Outbox
from mock_n2g.backend.recipients import RecipientService, check_recipient
from mock_n2g.backend.store import Store
from mock_n2g.errors import ApiError, bad_request, not_found

# The service does not say how long a confirmation link works, only that one can expire (its
# forms carry `message_expired_error`). The mock keeps a pending opt-in for 7 days on its clock.
DOI_LIFETIME_SECONDS = 7 * 24 * 3600

FORM_CODE = re.compile(r"[a-z0-9]{8}")

# The six messages of the documented "Get Form" example, with its texts as defaults.
DEFAULT_MESSAGES = {
    "message_subscribe_error": "Unfortunately, an error has occurred. Please check your profile.",
    "message_subscribe_duplicate": "You have already subscribed to the newsletter.",
    "message_subscribe_success": "You have successfully subscribed to the newsletter.",
    "message_subscribe_doi": (
        "Thank you for subscribing. We've sent you an email with a confirmation link."
    ),
    "message_subscribe_email": "",
    "message_expired_error": "Your subscription invitation has expired. Please try again.",
}
DEFAULT_LABELS = {"email": "Email", "list": "Address books", "submit": "Send"}
PRIVACY_URL = "https://www.example.org/privacy"
GDPR_CUSTOMER = f'I accept the <a href="{PRIVACY_URL}" target="_blank">privacy policy</a>'
GDPR_N2GO = (
    "We use Newsletter2Go to send our newsletters. By subscribing you agree that the data you"
    " enter is passed on to Newsletter2Go."
)

# A subscriber chooses neither the list (the form's) nor the flags and rating (the owner's).
OWNER_FIELDS = frozenset({"list_id", "rating", "is_unsubscribed", "is_bounced", "is_blacklisted"})


def _attribute(name: str, kind: str = "text", sub_type: str | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "description": None,
        "type": kind,
        "sub_type": sub_type or kind,
        "is_multiselect": False,
        "default_value": None,
    }


STANDARD_ATTRIBUTES: dict[str, dict[str, Any]] = {
    "email": _attribute("email", sub_type="email"),
    "phone": _attribute("phone"),
    "birthday": _attribute("birthday", "date"),
    "first_name": _attribute("first_name"),
    "last_name": _attribute("last_name"),
    "gender": {
        **_attribute("gender"),
        "values": [{"is_preselected": False, "value": v} for v in ("m", "f")],
    },
}


@dataclass(eq=False)
class Form:
    """A subscription form: its code, the list it subscribes to, and its texts."""

    code: str
    account_id: str
    list_id: str
    messages: dict[str, str]
    labels: dict[str, str]

    def document(self, account: Account) -> dict[str, Any]:
        """The form as `GET /forms/generate/{code}` shows it, without its `url`."""
        email = STANDARD_ATTRIBUTES["email"]
        email_item = {
            "name": "email",
            "description": None,
            "is_multiselect": False,
            "default_value": None,
            "attribute_type": email["type"],
            "attribute_sub_type": email["sub_type"],
            "label": self.labels["email"],
            "placeholder": self.labels["email"],
            "is_required": True,
            "is_multiline": False,
            "type": "attribute",
            "id": "email",
        }
        lists = [
            {
                "id": mailing_list.id,
                "label": mailing_list.settings.get("name"),
                "is_hidden": False,
                "is_preselected": mailing_list.id == self.list_id,
                "value": mailing_list.id,
            }
            for mailing_list in account.lists.values()
        ]
        items = [
            email_item,
            {
                "is_required": True,
                "type": "gdpr_customer",
                "content": GDPR_CUSTOMER,
                "link": PRIVACY_URL,
            },
            {"type": "gdpr_n2go", "content": GDPR_N2GO},
            {"label": self.labels["list"], "is_required": False, "type": "list", "values": lists},
            {"label": self.labels["submit"], "type": "submit"},
        ]
        return {
            "items": items,
            "attributes": {name: dict(shown) for name, shown in STANDARD_ATTRIBUTES.items()},
            "messages": dict(self.messages),
        }


@dataclass(eq=False)
class OptIn:
    """A subscription waiting for its confirmation link to be followed."""

    token: str
    form: Form
    payload: dict[str, Any]  # the checked fields and attributes, saved on confirmation
    expires_at: float
    confirmed: bool = False


@dataclass
class SubmitResult:
    """What a submission did; `success` counts subscription requests accepted."""

    inserted: int = 0
    updated: int = 0
    duplicate: list[dict[str, Any]] = field(default_factory=list)
    invalid: list[dict[str, Any]] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return self.inserted + self.updated

    def as_json(self) -> dict[str, Any]:
        return {
            "success": {"inserted": self.inserted, "updated": self.updated},
            "error": {
                "failed": len(self.duplicate) + len(self.invalid),
                "recipients": {"duplicate": self.duplicate, "invalid": self.invalid},
            },
        }


@dataclass(frozen=True)
class Confirmation:
    form: Form
    first_time: bool  # False when the link had been followed before


def _texts(kind: str, defaults: Mapping[str, str], given: Mapping[str, Any] | None) -> dict:
    texts = dict(defaults)
    for name, text in (given or {}).items():
        if name not in defaults:
            raise bad_request(f"unknown form {kind} {name!r}; known: {', '.join(defaults)}")
        if not isinstance(text, str):
            raise bad_request(f"form {kind} {name!r} must be a string")
        texts[name] = text
    return texts


class FormService:
    """Forms of every account by code, and the opt-ins they started."""

    def __init__(self, store: Store, recipients: RecipientService, outbox: Outbox) -> None:
        self._store = store
        self._recipients = recipients
        self._outbox = outbox
        self._forms: dict[str, Form] = {}
        self._opt_ins: dict[str, OptIn] = {}  # by token

    def forget_account(self, account_id: str) -> None:
        """Drop an account's forms and pending opt-ins (its data is being reset)."""
        with self._store.lock:
            for code in [c for c, form in self._forms.items() if form.account_id == account_id]:
                del self._forms[code]
            spent = [t for t, o in self._opt_ins.items() if o.form.account_id == account_id]
            for token in spent:
                del self._opt_ins[token]

    def code_problem(self, code: str) -> str | None:
        """Why `code` cannot be a new form's code, or None when it can."""
        if not FORM_CODE.fullmatch(code):
            return f"form code {code!r} must be 8 lowercase letters or digits"
        with self._store.lock:
            if code in self._forms:
                return f"form code {code!r} is taken"
        return None

    def create(
        self,
        account: Account,
        list_id: str,
        *,
        code: str | None = None,
        messages: Mapping[str, Any] | None = None,
        labels: Mapping[str, Any] | None = None,
    ) -> Form:
        """A form subscribing to one of the account's lists; texts not given are the defaults."""
        form_messages = _texts("message", DEFAULT_MESSAGES, messages)
        form_labels = _texts("label", DEFAULT_LABELS, labels)
        store = self._store
        with store.lock:
            account.list_of(list_id)
            if code is None:
                code = store.new_id()
                while code in self._forms:
                    code = store.new_id()
            elif problem := self.code_problem(code):
                raise bad_request(problem)
            form = Form(code, account.account_id, list_id, form_messages, form_labels)
            self._forms[code] = form
            account.forms[code] = form
        return form

    def get(self, code: str) -> tuple[Account, Form]:
        """The form and its account; 404 for an unknown code or a form whose list is gone."""
        with self._store.lock:
            form = self._forms.get(code)
            account = self._store.accounts.get(form.account_id) if form else None
            if form is None or account is None or form.list_id not in account.lists:
                raise not_found("form", code)
        return account, form

    def document(self, code: str) -> dict[str, Any]:
        with self._store.lock:
            account, form = self.get(code)
            return form.document(account)

    def submit(
        self, code: str, recipient: Mapping[str, Any], confirm_url: Callable[[str], str]
    ) -> SubmitResult:
        """Start a double opt-in: e-mail a confirmation link; the list is not touched yet.

        A valid address counts as `inserted` when the confirmation will create the contact and
        as `updated` when it will re-subscribe an unsubscribed one: "success" means the
        subscription request was accepted. An invalid recipient, or an address already
        subscribed to the list, is `failed` and listed under `invalid` or `duplicate`.
        """
        self.get(code)
        result = SubmitResult()
        sent_email = recipient.get("email")
        offered = {name: v for name, v in recipient.items() if name not in OWNER_FIELDS}
        checked = check_recipient(offered, creating=True)
        if checked.problems:
            result.invalid.append({"email": sent_email})
            return result
        email = checked.values["email"]
        store = self._store
        with store.lock:
            account, form = self.get(code)
            existing = account.lists[form.list_id].by_email.get(email.lower())
            if existing is not None and not existing.is_unsubscribed:
                result.duplicate.append({"email": sent_email})
                return result
            token = base64.urlsafe_b64encode(store.random.randbytes(24)).decode("ascii")
            payload = {**checked.values, **checked.attributes}
            expires_at = store.clock.now() + DOI_LIFETIME_SECONDS
            self._opt_ins[token] = OptIn(token, form, payload, expires_at)
            self._send_confirmation(account, form, email, confirm_url(token))
        if existing is None:
            result.inserted = 1
        else:
            result.updated = 1
        return result

    def confirm(self, token: str) -> Confirmation:
        """Follow a confirmation link: subscribe the contact to the form's list, once."""
        store = self._store
        with store.lock:
            opt_in = self._opt_ins.get(token)
            if opt_in is None:
                raise ApiError(404, "confirmation link not found")
            form = opt_in.form
            if opt_in.confirmed:
                return Confirmation(form, first_time=False)
            if store.clock.now() > opt_in.expires_at:
                raise ApiError(404, form.messages["message_expired_error"])
            account, _ = self.get(form.code)
            entry = {**opt_in.payload, "list_id": form.list_id, "is_unsubscribed": False}
            [_saved] = self._recipients.upsert(account, [entry]).recipients
            opt_in.confirmed = True
        return Confirmation(form, first_time=True)

    def _send_confirmation(self, account: Account, form: Form, email: str, link: str) -> None:
        list_name = account.lists[form.list_id].settings.get("name")
        days = DOI_LIFETIME_SECONDS // 86400
        body = (
            f'Hello,\n\nplease confirm your subscription to the newsletter "{list_name}" by'
            f" opening this link:\n\n{link}\n\nThe link works for {days} days. If you did not"
            " subscribe, ignore this e-mail: you will not be added.\n"
        )
        subject = f"Please confirm your subscription to {list_name}"
        self._outbox.record(account.account_id, "doi_confirmation", email, subject, body, link=link)
