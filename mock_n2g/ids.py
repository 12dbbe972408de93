"""Resource ids as the service makes them: 8 characters, lowercase letters and digits."""

import random
from collections.abc import Container

ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
ID_LENGTH = 8


def new_id(taken: Container[str], rng: random.Random) -> str:
    """Return a fresh id that is not in `taken`."""
    while True:
        candidate = "".join(rng.choices(ID_ALPHABET, k=ID_LENGTH))
        if candidate not in taken:
            return candidate
