"""One blueprint per resource of the service; thin handlers: parse, call the backend, envelope."""

from flask import Flask

from mock_n2g.api import (
    attributes,
    auth,
    forms,
    groups,
    imports,
    lists,
    mailings,
    profiles,
    recipients,
    spec,
)

BLUEPRINTS = (
    auth.blueprint,
    lists.blueprint,
    recipients.blueprint,
    groups.blueprint,
    attributes.blueprint,
    profiles.blueprint,
    imports.blueprint,
    forms.blueprint,
    mailings.blueprint,
    spec.blueprint,
)


def register_blueprints(app: Flask) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
