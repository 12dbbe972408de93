"""The mock's own clock: wall time plus an offset that tests can move forward."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime


class Clock:
    """Seconds since the epoch, advanceable so token expiry can be tested without waiting."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._pinned: float | None = None
        self._lock = threading.Lock()

    def now(self) -> float:
        pinned = self._pinned
        return pinned if pinned is not None else time.time() + self._offset

    @property
    def offset(self) -> float:
        """Seconds the clock was moved forward in all."""
        return self._offset

    @contextmanager
    def pinned(self, at: float) -> Iterator[None]:
        """Let the clock read `at` meanwhile: one request sees one time, live and replayed."""
        self._pinned = at
        try:
            yield
        finally:
            self._pinned = None

    def advance(self, seconds: float) -> float:
        """Move the clock forward by `seconds` (never backwards) and return the new time."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()


def format_timestamp(epoch_seconds: float) -> str:
    """Format as the service does: `2016-04-06T11:27:31+0000`."""
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
