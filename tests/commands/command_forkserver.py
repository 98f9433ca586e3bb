"""Headless command runs forked from a process that has already imported the app (tui/README.md, "Tests and
benchmarks").

Each `convex-backups` run in the headless tests used to be a cold `python -m tui`: about 0.3 CPU-seconds of
interpreter start and imports before the command did anything, paid a few hundred times a run. Here one
server process per test worker imports the command line and every command once; each run is a fork of it
that takes its own argv, environment, working folder and standard streams, runs `tui.cli.run` exactly as
`python -m tui` does (`tui/__main__.py`), and exits through the interpreter's normal shutdown, so atexit
handlers (the embedded sandbox's stop among them) run as they would. The result is a real process with a real
exit code; only the imports are shared.

What a fork cannot show, a cold start still does: the tests of what a command imports
(tests/commands/test_command_parser.py) and those that signal or kill a command run `python -m tui` themselves.
"""

from __future__ import annotations

import atexit
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

# The server: imports, then serves one request per connection. Each request is answered by a fork (the
# waiter) that forks the command, sends its pid, waits for it and sends its exit code; the server never waits
# for a run, so two runs can overlap. Nothing here starts a thread: a fork copies only the thread that calls it.
_SERVER = r"""
import json, os, signal, socket, sys, threading, time
import tui.cli, tui.launcher, tui.commands
for name in tui.cli.COMMANDS:
    __import__(name)
import tui.api.deployment.client, tui.services.cloud.target, tui.services.self_hosted.target
assert threading.active_count() == 1, "a thread started while importing: forks would lose it"
import gc
gc.collect()
gc.freeze()  # what the imports made is never traversed again: a fork's collections do not copy its pages

listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind(sys.argv[1])
listener.listen(16)
print("ready", flush=True)
def reap(*_):  # the waiters, as they end: reaped (not ignored) so that their CPU time counts as this process's
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass
signal.signal(signal.SIGCHLD, reap)
while True:
    conn, _ = listener.accept()
    message, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
    if os.fork():  # the server: on to the next request
        conn.close()
        for fd in fds:
            os.close(fd)
        continue
    # The waiter.
    listener.close()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    request = json.loads(message)
    pid = os.fork()
    if pid:
        for fd in fds:
            os.close(fd)
        conn.sendall(b"%d\n" % pid)
        _, status = os.waitpid(pid, 0)
        conn.sendall(b"%d\n" % os.waitstatus_to_exitcode(status))
        os._exit(0)
    # The command, as `python -m tui ARGS` would run it.
    conn.close()
    for number, fd in enumerate(fds):
        os.dup2(fd, number)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()  # the time zone is read from TZ at start-up
    sys.argv = ["convex-backups", *request["args"]]
    raise SystemExit(tui.cli.run())  # as tui/__main__.py
"""


class CommandForkServer:
    """One per test worker, started on first use and stopped when the worker exits."""

    _lock = threading.Lock()
    _instance: CommandForkServer | None = None

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="cli-forks-")
        self.address = str(Path(self._folder.name) / "socket")
        self.process = subprocess.Popen(
            [sys.executable, "-c", _SERVER, self.address],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            cwd=Path(__file__).resolve().parents[2],
            text=True,
        )
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the command fork server did not start (exit {self.process.wait()})")
        atexit.register(self.stop)

    @classmethod
    def shared(cls) -> CommandForkServer:
        with cls._lock:
            if cls._instance is None or cls._instance.process.poll() is not None:
                cls._instance = cls()
            return cls._instance

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._folder.cleanup()

    def run(self, args: list[str], *, cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
        """Like `subprocess.run([python, -m, tui, *args], capture_output=True, text=True, stdin=DEVNULL)`."""
        with (
            open(os.devnull, "rb") as stdin,
            tempfile.TemporaryFile() as stdout,
            tempfile.TemporaryFile() as stderr,
            socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn,
        ):
            conn.connect(self.address)
            request = json.dumps({"args": args, "cwd": str(cwd), "env": env}).encode()
            socket.send_fds(conn, [request], [stdin.fileno(), stdout.fileno(), stderr.fileno()])
            conn.settimeout(timeout)
            replies = conn.makefile("rb")
            pid = int(replies.readline())
            try:
                line = replies.readline()
            except TimeoutError:
                os.kill(pid, 9)
                raise subprocess.TimeoutExpired(["convex-backups", *args], timeout) from None
            if not line:
                raise RuntimeError(f"the command fork server lost the run of {args}")
            returncode = int(line)
            stdout.seek(0)
            stderr.seek(0)
            return subprocess.CompletedProcess(
                ["convex-backups", *args],
                returncode,
                _text(stdout.read()),
                _text(stderr.read()),
            )


def _text(output: bytes) -> str:
    """As `subprocess.run(text=True)` reads it: UTF-8 here, universal newlines."""
    return output.decode().replace("\r\n", "\n").replace("\r", "\n")
