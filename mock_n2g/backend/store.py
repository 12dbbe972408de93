"""The shared core of the backend: one lock, the clock, and the id indexes across accounts."""

import itertools
import os
import random
import threading
from typing import TYPE_CHECKING

from mock_n2g.clock import Clock
from mock_n2g.ids import new_id

if TYPE_CHECKING:
    from mock_n2g.backend.accounts import Account
    from mock_n2g.backend.groups import Group
    from mock_n2g.backend.lists import MailingList
    from mock_n2g.backend.recipients import Recipient


class Store:
    """State every service shares. Callers hold `lock` around every read and write."""

    def __init__(self, clock: Clock, seed: int | None = None) -> None:
        self.clock = clock
        # all randomness (ids, tokens, links) comes from here, so a seed replays a history exactly
        self.seed = seed if seed is not None else int.from_bytes(os.urandom(8), "big")
        self.random = random.Random(self.seed)
        self.lock = threading.RLock()
        self.accounts: dict[str, Account] = {}
        self.accounts_by_auth_key: dict[str, Account] = {}
        self.lists: dict[str, MailingList] = {}
        self.recipients: dict[str, Recipient] = {}
        self.groups: dict[str, Group] = {}
        # ids of everything not indexed above: accounts, companies, users, attributes, ...
        self.other_ids: set[str] = set()
        self._sequence = itertools.count(1)

    def new_id(self) -> str:
        """A fresh resource id, unique across everything the store knows."""
        return new_id(self, self.random)

    def next_seq(self) -> int:
        """A number that orders records by creation."""
        return next(self._sequence)

    def __contains__(self, candidate: object) -> bool:
        """Whether an id is in use by any resource (so `new_id()` never repeats one)."""
        return (
            candidate in self.lists
            or candidate in self.recipients
            or candidate in self.groups
            or candidate in self.other_ids
        )
