"""Running `convex-backups` as its own process with a clean environment, for the headless tests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from command_forkserver import CommandForkServer


def clean_environ(**extra: str) -> dict[str, str]:
    """The process environment without any Convex or convex-backups setting, plus `extra`."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("CONVEX", "TZ"))}
    return {**keep, "PYTHONUNBUFFERED": "1", **extra}


def run_cli(home: Path, environ: dict[str, str], *args: str, stdin: int | None = None) -> subprocess.CompletedProcess:
    """`convex-backups ARGS` in `home` with `environ`, its output captured and no input, forked from a process
    that has imported the app (command_forkserver.py)."""
    if stdin not in (None, subprocess.DEVNULL):
        raise ValueError("a headless run reads no input")
    home.mkdir(parents=True, exist_ok=True)
    return CommandForkServer.shared().run(list(args), cwd=home, env=environ, timeout=120)
