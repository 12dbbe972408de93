"""The mock's e-mail check: its fast path for plain addresses agrees with email-validator."""

import pytest

from mock_n2g.backend import fields
from mock_n2g.backend.fields import email_problem

ADDRESSES = [
    "a@example.org",
    "A.B+tag_x%y-z@Sub.Example.ORG",
    "postmaster@example.org",
    "a@example.test",
    "a@example.c0m",
    "a..b@example.org",
    ".a@example.org",
    "a.@example.org",
    "a @example.org",
    "a@b@example.org",
    "a@example",
    "a@localhost",
    "a@example.invalid",
    "a@example.local",
    "a@123.456",
    "a@-example.org",
    "a@example-.org",
    "a@exa_mple.org",
    "a@example..org",
    "zoë@example.org",
    "a@exämple.org",
    '"quoted"@example.org',
    "Name <a@example.org>",
    "a@[127.0.0.1]",
    "@example.org",
    "a@",
]


@pytest.mark.parametrize("address", ADDRESSES)
def test_the_fast_path_decides_as_email_validator(address):
    email_problem.cache_clear()
    fields._domain_problem.cache_clear()
    assert email_problem(address) == fields._validation_problem(address)


def test_a_domain_is_checked_once_for_many_plain_addresses(monkeypatch):
    email_problem.cache_clear()
    fields._domain_problem.cache_clear()
    checked = []
    original = fields._validation_problem

    def spy(address):
        checked.append(address)
        return original(address)

    monkeypatch.setattr(fields, "_validation_problem", spy)
    assert all(email_problem(f"user{n}@example.org") is None for n in range(100))
    assert checked == ["x@example.org"]
