"""The mark of a request replayed from the data file (see persistence.py)."""

from flask import request

REPLAY_FLAG = "n2g_mock.replay"


def replaying() -> bool:
    """Whether the current request is a replayed command: faults, journal and guards skip it."""
    return bool(request.environ.get(REPLAY_FLAG))
