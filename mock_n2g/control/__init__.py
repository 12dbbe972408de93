"""The mock's control API under `/_mock/`: not part of the service, for tests and journeys."""

from flask import Flask

from mock_n2g.control import faults, journal, state
from mock_n2g.control.access import POLICY_KEY, ControlPolicy

BLUEPRINTS = (state.health, state.blueprint, faults.blueprint, journal.blueprint)

__all__ = ["ControlPolicy", "install_hooks", "register_control"]


def install_hooks(app: Flask) -> None:
    """The journal's and the faults' app-level hooks; call before any other `before_request`.

    Order matters: the journal's hooks come first, so its `before_request` sees every request
    and its `after_request` and teardown run last (after faults changed or delayed the answer).
    """
    journal.install(app)
    faults.install(app)


def register_control(app: Flask, policy: ControlPolicy) -> None:
    app.extensions[POLICY_KEY] = policy
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
