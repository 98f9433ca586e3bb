"""One process owns a sandbox data folder: an OS lock (`flock`) on `<data>/sandbox.lock`, held for as long as
the process serves the folder, and released by the kernel when it dies however it dies.

Without it two processes could open the same SQLite files and each run its start-up recovery over the
other's work (a second sandbox dropped the tables a first one was importing). So the lock is taken before
anything in the folder is opened, and recovery only ever runs in its holder.

Once the holder serves, it writes `<data>/sandbox.running.json` (`{"pid", "platformUrl"}`): how a second
app finds the running sandbox to connect to (the credentials are already in the folder), and how a second
`sandbox serve` names the one that refuses it. The file only says something while its pid is alive.

Apps using a sandbox also hold a shared lock on `<data>/sandbox.users` for their session: a sandbox an app
started (`child.py`) keeps serving after that app leaves while another app still uses it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

LOCK_NAME = "sandbox.lock"
RUNNING_NAME = "sandbox.running.json"
USERS_NAME = "sandbox.users"
PLATFORM_BANNER = "convex-backups emulated Convex platform"  # the first words of the platform's `GET /`


@dataclass(frozen=True)
class RunningSandbox:
    pid: int
    platform_url: str | None  # None while the owner is still starting


class FolderBusy(Exception):
    """Another live process owns the data folder."""

    def __init__(self, root: Path, running: RunningSandbox | None):
        self.root = root
        self.running = running
        if running is None:
            who = "another process"
        elif running.platform_url:
            who = f"process {running.pid}, serving at {running.platform_url}"
        else:
            who = f"process {running.pid}, still starting"
        super().__init__(f"The sandbox data folder {root} is already in use by {who}.")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_running(root: Path) -> RunningSandbox | None:
    """What `sandbox.running.json` says, if its process is alive (a killed owner leaves the file behind)."""
    try:
        data = orjson.loads((Path(root) / RUNNING_NAME).read_bytes())
        pid = int(data["pid"])
        url = data.get("platformUrl")
    except (OSError, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        return None
    if not _pid_alive(pid):
        return None
    return RunningSandbox(pid, url if isinstance(url, str) and url else None)


def platform_answers(url: str, timeout: float = 0.5) -> bool:
    """True when `url` is a sandbox platform that answers now. The standard library only: the app calls
    this while it draws its first screen."""
    import http.client
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.hostname is None:
        return False
    try:  # nothing listening (the usual case): answered without a request
        socket.create_connection((parts.hostname, parts.port), timeout=timeout).close()
    except OSError:
        return False
    try:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        try:
            connection.request("GET", "/")
            reply = connection.getresponse()
            status, text = reply.status, reply.read(200).decode("utf-8", "replace")
        finally:
            connection.close()
    except (OSError, http.client.HTTPException):
        return False
    return status == 200 and text.startswith(PLATFORM_BANNER)


class FolderLock:
    """The exclusive lock on a data folder, for one process's life (`acquire`, then `release` on closing)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> FolderLock:
        """Take the lock now or raise `FolderBusy` naming the owner; never waits."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise FolderBusy(self.root, read_running(self.root)) from None
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        self._write_running(None)
        return self

    def announce(self, platform_url: str) -> None:
        """Say where this process serves the folder (called once its sockets are bound)."""
        assert self._fd is not None, "acquire() first"
        self._write_running(platform_url)

    def _write_running(self, platform_url: str | None) -> None:
        path = self.root / RUNNING_NAME
        tmp = path.with_name(f"{RUNNING_NAME}.{os.getpid()}.tmp")
        tmp.write_bytes(orjson.dumps({"pid": os.getpid(), "platformUrl": platform_url}))
        os.replace(tmp, path)

    def release(self) -> None:
        if self._fd is None:
            return
        running = read_running(self.root)
        if running is not None and running.pid == os.getpid():
            with contextlib.suppress(OSError):
                (self.root / RUNNING_NAME).unlink()
        fd, self._fd = self._fd, None
        os.close(fd)  # closing the descriptor releases the flock


class UserLease:
    """An app's shared lock on `sandbox.users` while it uses the folder's sandbox."""

    def __init__(self, root: Path):
        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = os.open(root / USERS_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_SH)

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)


def wait_until_unused(root: Path, stop_waiting, interval: float = 0.25) -> None:
    """Block until no app holds a `UserLease` on the folder (or `stop_waiting()` says to give up), then keep
    the exclusive lock until this process exits: an app starting meanwhile waits for it to be gone and then
    starts a sandbox of its own, instead of connecting to one that is stopping."""
    fd = os.open(Path(root) / USERS_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    while not stop_waiting():
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return  # the descriptor stays open: the kernel releases the lock when this process ends
        except BlockingIOError:
            time.sleep(interval)
    os.close(fd)


def in_use(root: Path) -> bool:
    """True while some app holds a `UserLease` on the folder (or its sandbox is stopping)."""
    try:
        fd = os.open(Path(root) / USERS_NAME, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
