"""Composition root: decide the target (profile → the Convex CLI's credentials → default profile → login
→ the embedded sandbox), start the sandbox in a child process when it is the target, and hand out a
`BackupTarget`. The TUI (`run_app`) and the headless commands both start here. This module may import
the emulator; services never do.

The sandbox starts in the background: `session()` returns at once, so the app draws its first screen
while the sandbox opens, and `Session.open()` waits for it. Imports that only opening a target needs are
made there, not at the top, for the same reason.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from tui.services.config.settings import Config, Homes, load_config
from tui.services.errors import ConfigError
from tui.services.config.targets import TargetSpec, resolve_target

log = logging.getLogger("tui.launcher")


@dataclass
class Session:
    """The chosen target, and the embedded sandbox behind it when there is one."""

    homes: Homes
    config: Config
    spec: TargetSpec
    runtime: SandboxChild | None = None  # the sandbox process this session started
    warnings: list[str] = field(default_factory=list)
    # While the sandbox starts: resolves to (platform URL, operator token).
    starting: Future | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _closed: bool = field(default=False, repr=False)
    # Held while this session uses the sandbox: the sandbox another app started keeps serving meanwhile.
    lease: Any = field(default=None, repr=False)

    async def open(self, *, use_sync: bool = True):
        """A `BackupTarget`, once the sandbox (if it is the target) serves."""
        import asyncio  # here, not at the top: the sandbox starts before asyncio is imported

        # (Importing tui.api keeps httpx's command-line tool out: tui/api/__init__.py.)
        # While the sandbox may still be starting: what the first requests need.
        with imports_uncollected():
            from tui.api.deployment import client as deployment_client  # noqa: F401 - reads the backups' sizes
            from tui.api.transport.clients import preload
            from tui.services.config.open_target import open_target, sandbox_spec

            preload()
        if self.starting is not None:
            url, token = await asyncio.wrap_future(self.starting)
            self.spec, self.starting = sandbox_spec(self.spec, url, token), None
        return await open_target(self.spec, self.homes, use_sync=use_sync)

    @property
    def is_sandbox(self) -> bool:
        return self.spec.kind == "sandbox"

    def close(self) -> None:
        with self._lock:
            self._closed, runtime, self.runtime = True, self.runtime, None
            lease, self.lease = self.lease, None
        if lease is not None:
            lease.release()  # first: the sandbox this app started waits for every app using it to leave
        if runtime is not None:
            runtime.shutdown()

    def _start_sandbox(self, root: Path, done: Future) -> None:
        """On a background thread: use a sandbox already serving `root`, else start one (whose child finds
        and uses the folder's owner if another process started one meanwhile)."""
        from tui.emulator.sandbox.folder_lock import UserLease

        try:
            lease = UserLease(root)
            with self._lock:
                if self._closed:
                    lease.release()
                    raise ConfigError("The app closed before the sandbox started.", code="Closed")
                self.lease = lease
            running = running_sandbox(root)
            if running is None:
                with self._lock:
                    if self._closed:
                        raise ConfigError("The app closed before the sandbox started.", code="Closed")
                    self.runtime = child = SandboxChild(root)
                running = child.wait_ready(), sandbox_token(root)
        except BaseException as exc:  # noqa: BLE001 - handed to whoever opens the target
            done.set_exception(exc)
            return
        done.set_result(running)


@contextmanager
def imports_uncollected() -> Iterator[None]:
    """The garbage collector held back while the app's modules load, then everything loaded so far frozen
    (kept out of later collections): modules, classes and functions are never garbage, yet while they load
    they set off collections that walk them again and again (about 50 ms of the launch's CPU measured, by
    `tests/benchmarks/test_tui_latency.py`'s first screen)."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def running_sandbox(root: Path) -> tuple[str, str] | None:
    """(platform URL, token) of a sandbox already serving this data folder (`sandbox serve`, or another
    app's), found through the file its owner writes (tui/emulator/sandbox/folder_lock.py), so a second process does
    not open the same files."""
    from tui.emulator.sandbox.folder_lock import platform_answers, read_running

    running = read_running(root)
    if running is None or not running.platform_url or not platform_answers(running.platform_url):
        return None
    try:
        return running.platform_url, sandbox_token(root)
    except (LookupError, OSError, ValueError):
        return None


class SandboxChild:
    """The embedded sandbox in a child process (tui/emulator/sandbox/child.py): its start-up and its
    serving run on another core than the UI. It stops when its standard input closes."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        package_parent = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
        # A session of its own: the terminal's ctrl+c / ctrl+z / hang-up reach the app, which then closes
        # the child's standard input.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tui.emulator.sandbox.child", "--data", str(root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self) -> str:
        """The platform URL once it serves (blocking; run it off the event loop)."""
        from tui.emulator.sandbox.child import LOG_NAME, READY

        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode("utf-8", "replace").strip()
        self.process.stdout.close()
        if not line.startswith(READY):
            self.shutdown()
            raise ConfigError(
                f"The local sandbox did not start (see {self.root / LOG_NAME}).", code="SandboxDidNotStart"
            )
        return line[len(READY) :]

    def shutdown(self, timeout: float = 15.0) -> None:
        """Say goodbye (close its standard input). While another app still uses the sandbox it serves on
        (tui/emulator/sandbox/child.py), so it is neither waited for nor killed then."""
        from tui.emulator.sandbox.folder_lock import in_use

        others = self.process.poll() is None and in_use(self.root)
        if self.process.stdin is not None and not self.process.stdin.closed:
            try:
                self.process.stdin.close()
            except OSError:
                pass
        if others:
            log.info("another app uses the sandbox; it keeps serving")
            return
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            if in_use(self.root):
                return
            log.warning("the sandbox did not stop in %.0f s; killing it", timeout)
            self.process.kill()
            self.process.wait()


def sandbox_token(root: Path) -> str:
    """The operator's token, from the file the sandbox keeps it in (the URL comes from the sandbox itself:
    reading it from the platform's database here cost the UI's process SQLite's import and an open)."""
    from tui.emulator.platform.access.token_files import operator_token_path
    from tui.emulator.secrets_file import read_secret

    token = read_secret(operator_token_path(root))
    if not token:
        raise LookupError(f"No access token for the operator in {root}. Start the sandbox once to create it.")
    return token


@contextmanager
def session(
    profile: str | None = None,
    *,
    environ: dict[str, str] | None = None,
    cwd: Path | None = None,
    home: Path | None = None,
) -> Iterator[Session]:
    """Resolve the target (raising `ConfigError`/`CredentialsError` for a bad configuration) and, for the
    sandbox, serve it for the duration of the `with` block."""
    environ = dict(os.environ) if environ is None else environ
    homes = Homes.from_environ(environ)
    config = load_config(homes)
    spec = resolve_target(config, profile=profile, environ=environ, cwd=cwd or Path.cwd(), home=home or Path.home())
    result = Session(homes, config, spec, warnings=[*config.warnings, *spec.warnings])
    if spec.kind == "sandbox" and spec.provision_host is None:
        result.starting = Future()
        threading.Thread(
            target=result._start_sandbox, args=(homes.sandbox_dir, result.starting), name="sandbox-start", daemon=True
        ).start()
    try:
        yield result
    finally:
        result.close()


def run_app(
    profile: str | None = None,
    *,
    emergency: str | None = None,
    runner: Callable[[Callable[[], Any], Session], Any] | None = None,
    **where: Any,
) -> int:
    """`emergency`: open the emergency checklist at start ("" = the production deployment). The sandbox
    starts first, and Textual is imported while it does. `runner(make_app, session)` runs the app some
    other way than `App.run()` (the start-up benchmark); `where`: `session()`'s environ, cwd and home."""
    with session(profile, **where) as chosen:
        with imports_uncollected():
            from tui.app import ConvexBackupsApp

        # The app opens its BackupTarget from the session in a worker (`await session.open()`).
        def make_app() -> ConvexBackupsApp:
            return ConvexBackupsApp(session=chosen, config=chosen.config, emergency=emergency)

        if runner is not None:
            runner(make_app, chosen)
        else:
            make_app().run()
    return 0
