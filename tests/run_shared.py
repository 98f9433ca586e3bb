"""What a test run builds once for all its xdist workers (the seeded demo world, the NUL-line bomb): the first
worker that needs it builds it in the folder every worker of the run shares (their base temp's parent) while
the others wait on a lock; without xdist, in the session's own base temp."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path


def built_once_per_run(tmp_path_factory, folder: str, name: str, build: Callable[[Path], object]) -> Path:
    """`<shared>/<folder>/<name>`, made by `build(path)` unless an earlier call of this run finished it."""
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / folder
    shared.mkdir(exist_ok=True)
    path, built = shared / name, shared / f"{name}.built"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if this worker dies
        if not built.exists():
            if path.is_dir():  # what a worker that failed half-way left
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
            build(path)
            built.touch()
    return path
