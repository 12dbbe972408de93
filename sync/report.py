"""What a run did: counters, failures and notices, for people and for `--json`."""

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Failure:
    """Something that could not be applied; `where` names the event, line or subscription."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass
class Summary:
    lists_created: int = 0
    lists_renamed: int = 0
    lists_recreated: int = 0
    contacts_created: int = 0
    contacts_updated: int = 0
    contacts_unsubscribed: int = 0
    contacts_resubscribed: int = 0
    events_applied: int = 0
    events_skipped: int = 0  # processed in an earlier run: nothing sent
    failures: list[Failure] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # reported, deliberately not changed
    plan: list[str] = field(default_factory=list)  # what a dry run would do
    requests_sent: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures

    def fail(self, where: str, reason: str) -> None:
        self.failures.append(Failure(where, reason))

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["failures"] = [str(failure) for failure in self.failures]
        data["ok"] = self.ok
        return data

    def lines(self) -> list[str]:
        """The summary for people, one fact a line."""
        counts = [
            ("lists created", self.lists_created),
            ("lists renamed", self.lists_renamed),
            ("lists recreated", self.lists_recreated),
            ("contacts created", self.contacts_created),
            ("contacts updated", self.contacts_updated),
            ("contacts unsubscribed", self.contacts_unsubscribed),
            ("contacts re-subscribed", self.contacts_resubscribed),
            ("events applied", self.events_applied),
            ("events already processed", self.events_skipped),
            ("failures", len(self.failures)),
        ]
        lines = [f"{label}: {value}" for label, value in counts]
        lines += [f"plan: {step}" for step in self.plan]
        lines += [f"notice: {notice}" for notice in self.notices]
        lines += [f"failed: {failure}" for failure in self.failures]
        return lines
