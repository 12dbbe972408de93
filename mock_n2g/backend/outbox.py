"""The e-mails the mock "sent": opt-in confirmations and mailings, for tests to read."""

from dataclasses import asdict, dataclass
from typing import Any

from mock_n2g.backend.store import Store
from mock_n2g.clock import format_timestamp


@dataclass(frozen=True)
class Email:
    """One e-mail as a recipient's inbox would see it, plus what caused it."""

    id: str
    account_id: str
    kind: str  # doi_confirmation | mailing | test_mailing
    to: str
    subject: str
    body: str
    sent_at: float
    link: str | None = None  # the confirmation link of an opt-in e-mail
    newsletter_id: str | None = None  # the mailing an e-mail was sent for

    def as_json(self) -> dict[str, Any]:
        shown = asdict(self)
        shown["sent_at"] = format_timestamp(self.sent_at)
        return shown


class Outbox:
    """Every e-mail in the order sent. Guarded by the store's lock."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._emails: list[Email] = []

    def record(
        self,
        account_id: str,
        kind: str,
        to: str,
        subject: str,
        body: str,
        *,
        link: str | None = None,
        newsletter_id: str | None = None,
    ) -> Email:
        with self._store.lock:
            email = Email(
                id=self._store.new_id(),
                account_id=account_id,
                kind=kind,
                to=to,
                subject=subject,
                body=body,
                sent_at=self._store.clock.now(),
                link=link,
                newsletter_id=newsletter_id,
            )
            self._store.other_ids.add(email.id)
            self._emails.append(email)
        return email

    def forget_account(self, account_id: str | None) -> None:
        """Drop the e-mails of one account, or all of them."""
        with self._store.lock:
            self._emails = [
                e for e in self._emails if account_id is not None and e.account_id != account_id
            ]

    def emails(self, account_id: str | None = None) -> list[Email]:
        with self._store.lock:
            return [e for e in self._emails if account_id is None or e.account_id == account_id]
