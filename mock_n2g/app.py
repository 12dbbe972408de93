"""`create_app(config)`: the Flask application of the mock."""

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from mock_n2g import persistence
from mock_n2g.api import register_blueprints
from mock_n2g.api.access import BACKEND_KEY
from mock_n2g.backend import Backend
from mock_n2g.config import MockConfig
from mock_n2g.control import install_hooks, register_control
from mock_n2g.errors import ApiError, OAuthError

log = logging.getLogger("mock_n2g")


class MockFlask(Flask):
    """Flask that asks once, not on every request, whether a view or hook is `async def`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plain_functions: set[Callable[..., Any]] = set()

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        if func in self._plain_functions:
            return func
        wrapped = super().ensure_sync(func)
        if wrapped is func:
            self._plain_functions.add(func)
        return wrapped


def _json_error(status: int, body: dict) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(error: ApiError) -> Response:
        return _json_error(error.status, error.body())

    @app.errorhandler(OAuthError)
    def oauth_error(error: OAuthError) -> Response:
        response = _json_error(error.status, error.body())
        if error.status == 401:
            response.headers["WWW-Authenticate"] = (
                f'Bearer realm="Service", error="{error.error}", '
                f'error_description="{error.description}"'
            )
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        """Routing and protocol errors (404, 405, 413, ...) in the service's error body."""
        status = error.code or 500
        response = _json_error(status, ApiError(status).body())
        if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
            response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        """A bug in the mock: logged here, answered as a plain 500 without a traceback."""
        log.exception("unhandled error", exc_info=error)
        return _json_error(500, ApiError(500).body())


def create_app(config: MockConfig | None = None) -> Flask:
    config = config or MockConfig()
    app = MockFlask("mock_n2g", static_folder=None)  # the service has no static files
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.config["N2G_BASE_URL"] = config.base_url.rstrip("/") if config.base_url else None
    app.json.sort_keys = False  # type: ignore[attr-defined]
    command_log = None
    if config.data_path:
        command_log = persistence.CommandLog(config.data_path)
        start = persistence.starting_point(
            command_log, config.accounts, config.seed, config.clock.now()
        )
        with config.clock.pinned(start.at):
            backend = Backend(start.accounts, config.clock, start.seed)
    else:
        backend = Backend(config.accounts, config.clock, config.seed)
    app.extensions[BACKEND_KEY] = backend
    _register_error_handlers(app)
    install_hooks(app)  # journal and faults: ahead of persistence, auth and handlers
    if command_log is not None:
        persistence.install(app, backend, command_log)
    register_blueprints(app)
    register_control(app, config.control)
    if command_log is not None:
        replayed = persistence.replay(app, backend, command_log)
        log.info("restored state from %s: %d commands replayed", config.data_path, replayed)
    return app
