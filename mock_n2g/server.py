"""Waitress for the mock: like `waitress.create_server`, with the client's socket in the environ.

The socket lets the fault layer end a connection the way a network does: `drop_connection`
closes it without an answer, with a TCP reset (ECONNRESET) or a plain close (no bytes at all).
"""

import socket
import struct
from typing import Any, NoReturn

from flask import Flask
from waitress.adjustments import Adjustments
from waitress.channel import ClientDisconnected, HTTPChannel
from waitress.server import BaseWSGIServer, MultiSocketServer, TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher, WSGITask

SOCKET_KEY = "n2g_mock.socket"
ABORT_RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends RST


class NoConnection(RuntimeError):
    """A network fault was asked for where there is no socket (e.g. Flask's test client)."""


class _SocketTask(WSGITask):
    def get_environment(self) -> dict[str, Any]:
        environ = super().get_environment()
        environ[SOCKET_KEY] = self.channel.socket
        return environ


class _SocketChannel(HTTPChannel):
    task_class = _SocketTask


class _SocketServer(TcpWSGIServer):
    channel_class = _SocketChannel


def make_server(
    app: Flask, host: str, port: int, threads: int, **adjustments: Any
) -> BaseWSGIServer | MultiSocketServer:
    """A waitress server (not started: call `run()`) on every address `host` resolves to."""
    adj = Adjustments(host=host, port=port, threads=threads, **adjustments)
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    socket_map: dict[int, Any] = {}
    servers = [
        _SocketServer(app, socket_map, dispatcher=dispatcher, adj=adj, sockinfo=sockinfo)
        for sockinfo in adj.listen
    ]
    if len(servers) == 1:
        return servers[0]
    listening = [(server.effective_host, server.effective_port) for server in servers]
    return MultiSocketServer(socket_map, adj, listening, dispatcher, servers[-1].log_info)


def drop_connection(environ: dict[str, Any], *, reset: bool) -> NoReturn:
    """End the request's connection without a response: RST if `reset`, else a bare close."""
    sock: socket.socket | None = environ.get(SOCKET_KEY)
    if sock is None:
        raise NoConnection(
            "a network fault needs a real connection: serve the mock with "
            "mock_n2g.server.make_server (n2g-mock serve), not a test client"
        )
    if reset:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, ABORT_RESET)
    raise ClientDisconnected  # waitress then closes the channel without writing anything
