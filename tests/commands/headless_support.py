"""Running `convex-backups` as a subprocess with a clean environment, for the headless tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def clean_environ(**extra: str) -> dict[str, str]:
    """The process environment without any Convex or convex-backups setting, plus `extra`."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("CONVEX", "TZ"))}
    return {**keep, "PYTHONUNBUFFERED": "1", **extra}


def run_cli(home: Path, environ: dict[str, str], *args: str, **kwargs) -> subprocess.CompletedProcess:
    home.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        cwd=home,
        env=environ,
        timeout=120,
        **kwargs,
    )
