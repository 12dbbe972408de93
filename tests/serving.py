"""`n2g-mock serve` as a subprocess, for tests that need the real CLI and a real socket."""

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

STARTUP_TIMEOUT = 15


def _pump(stream, lines: queue.Queue, seen: list[str]) -> None:
    for line in iter(stream.readline, ""):
        seen.append(line)
        lines.put(line)
    lines.put(None)


class Served:
    """The CLI process, the URL it printed, and everything it printed (stdout and stderr)."""

    def __init__(self, process: subprocess.Popen, env: dict[str, str]) -> None:
        self.process = process
        self.env = env
        self.output: list[str] = []
        self._stdout: queue.Queue = queue.Queue()
        self._pumps = [
            threading.Thread(target=_pump, args=(stream, lines, self.output), daemon=True)
            for stream, lines in ((process.stdout, self._stdout), (process.stderr, queue.Queue()))
        ]
        for pump in self._pumps:
            pump.start()

    def url(self) -> str:
        try:
            first = self._stdout.get(timeout=STARTUP_TIMEOUT)
        except queue.Empty:
            pytest.fail(f"no startup line within {STARTUP_TIMEOUT}s; output so far: {self.output}")
        assert first, f"the server exited before serving: {''.join(self.output)}"
        assert first.startswith("Newsletter2Go mock serving on http://127.0.0.1:"), first
        return first.split()[-1]

    def interrupt(self, signum: int = signal.SIGINT) -> int:
        """SIGINT, as Ctrl-C would send it (or SIGTERM, as Docker would); the exit code."""
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pytest.fail(f"n2g-mock serve did not stop within 5s of signal {signum}")
        finally:
            self.join()

    def join(self) -> None:
        for pump in self._pumps:
            pump.join(timeout=5)


@contextmanager
def serve_cli(*args: str, env: dict[str, str] | None = None) -> Iterator["Served"]:
    """`n2g-mock serve --host 127.0.0.1 --port 0 ARGS`; killed on exit if still running."""
    full_env = {**os.environ, **(env or {})}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mock_n2g.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            *args,
        ],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield Served(process, full_env)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
