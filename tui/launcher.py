"""Composition root: decide the target (profile → the Convex CLI's credentials → default profile → login
→ the embedded sandbox), start the sandbox on a background thread when it is the target, and hand out a
`BackupTarget`. The TUI (`run_app`) and the headless commands both start here. This module may import
the emulator; services never do.
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from tui.services.config import Config, Homes, load_config
from tui.services.open_target import open_target, sandbox_spec
from tui.services.protocol import BackupTarget
from tui.services.targets import TargetSpec, resolve_target

log = logging.getLogger("tui.launcher")


@dataclass
class Session:
    """The chosen target, and the embedded sandbox behind it when there is one."""

    homes: Homes
    config: Config
    spec: TargetSpec
    runtime: Any = None  # SandboxRuntime when the sandbox runs in this process
    warnings: list[str] = field(default_factory=list)

    async def open(self, *, use_sync: bool = True) -> BackupTarget:
        return await open_target(self.spec, self.homes, use_sync=use_sync)

    @property
    def is_sandbox(self) -> bool:
        return self.spec.kind == "sandbox"

    def close(self) -> None:
        if self.runtime is not None:
            self.runtime.shutdown()
            self.runtime = None


def _quiet_servers() -> None:
    # The servers' own logs would scribble over the terminal the TUI (or a command's output) uses.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def running_sandbox(root: Path) -> tuple[str, str] | None:
    """(platform URL, token) of a sandbox already serving this data folder (e.g. `sandbox serve`), so a
    second process does not open the same files."""
    from tui.emulator.platform.credentials import platform_credentials

    try:
        values = dict(line.split("=", 1) for line in platform_credentials(root))
    except (LookupError, OSError, ValueError):
        return None
    url = values["CONVEX_PROVISION_HOST"]
    try:
        import httpx

        reply = httpx.get(url + "/", timeout=0.5)
    except Exception:
        return None
    if reply.status_code == 200 and reply.text.startswith("convex-backups emulated Convex platform"):
        return url, values["CONVEX_OVERRIDE_ACCESS_TOKEN"]
    return None


def start_sandbox(root: Path):
    """The embedded sandbox on free loopback ports, served from a background thread:
    (runtime, platform URL, the operator's token)."""
    from tui.emulator.platform.credentials import platform_credentials
    from tui.emulator.sandbox_runtime import SandboxRuntime

    _quiet_servers()
    # A first start gets the demo world (teams, projects, data, backups in every state) to explore and
    # rehearse on; later starts keep whatever the folder holds.
    first_start = not (root / "platform.sqlite3").exists()
    root.mkdir(parents=True, exist_ok=True)
    runtime = SandboxRuntime(root, port=0, seed="demo" if first_start else None).open().start_in_background()
    try:
        values = dict(line.split("=", 1) for line in platform_credentials(root))
    except BaseException:
        runtime.shutdown()
        raise
    return runtime, runtime.platform_server.url, values["CONVEX_OVERRIDE_ACCESS_TOKEN"]


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
    spec = resolve_target(config, profile=profile, environ=environ, cwd=cwd or Path.cwd(),
                          home=home or Path.home())
    result = Session(homes, config, spec, warnings=[*config.warnings, *spec.warnings])
    if spec.kind == "sandbox" and spec.provision_host is None:
        running = running_sandbox(homes.sandbox_dir)
        if running is not None:
            result.spec = sandbox_spec(spec, *running)
        else:
            runtime, url, token = start_sandbox(homes.sandbox_dir)
            result.runtime = runtime
            result.spec = sandbox_spec(spec, url, token)
    try:
        yield result
    finally:
        result.close()


def run_app(profile: str | None = None, *, emergency: str | None = None) -> int:
    """`emergency`: open the emergency checklist at start ("" = the production deployment)."""
    with session(profile) as chosen:
        from tui.app import ConvexBackupsApp

        # The app opens its BackupTarget from the session in a worker (`await session.open()`).
        ConvexBackupsApp(session=chosen, config=chosen.config, emergency=emergency).run()
    return 0
