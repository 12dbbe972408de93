"""A stateful mock of the Newsletter2Go REST API."""

from mock_n2g.app import create_app

__all__ = ["create_app"]
