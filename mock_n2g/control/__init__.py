"""The mock's control API under `/_mock/`: not part of the service, for tests and journeys."""

from flask import Flask

from mock_n2g.control import state
from mock_n2g.control.access import POLICY_KEY, ControlPolicy

BLUEPRINTS = (state.blueprint,)

__all__ = ["ControlPolicy", "register_control"]


def register_control(app: Flask, policy: ControlPolicy) -> None:
    app.extensions[POLICY_KEY] = policy
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
