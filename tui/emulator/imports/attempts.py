"""Marks on disk that say the import worker is reading or writing an import, so that a process that died
doing it is known at the next start.

A file that kills the process while it is read (say, a hostile upload that exhausts memory) would kill
it again at every start, and every deployment it serves with it. Convex reads an import again after a crash;
so does the sandbox, but no more than MAX_ATTEMPTS times for each phase (reading, then writing): an import
whose phase was begun that often when the process died is failed at the next start instead.

A mark is `<imports folder>/<import id>.<phase>` holding the number of attempts begun; the worker's sweep
deletes it with the import's file once the import has ended.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tui.emulator.imports.state import ERROR_PREFIX

READING, WRITING = "reading", "writing"
MAX_ATTEMPTS = 3
CLOUD_RESTORE = "cloudRestore"  # the `requestor.type` of a restore from a cloud backup


def died_message(phase: str, requestor: dict[str, Any] | None) -> str:
    """Why an import was failed after the sandbox died MAX_ATTEMPTS times in `phase`, and what to do:
    for a restore from a cloud backup there is no file of the operator's to check."""
    cloud = isinstance(requestor, dict) and requestor.get("type") == CLOUD_RESTORE
    what = "this backup" if cloud else "this file"
    doing = f"reading {what}" if phase == READING else "writing this import"
    said = (
        f"The sandbox stopped {MAX_ATTEMPTS} times while it was {doing}, so it was not started again: "
        f"{'a backup' if cloud else 'a file'} that stops the sandbox would stop it at every start. "
        "Nothing was changed. "
    )
    if cloud:
        advice = (
            "Restore from another backup; to check this one, download it (`convex-backups download`) "
            "and run `convex-backups verify` on the ZIP."
        )
    else:
        advice = "Check the file with `convex-backups verify`, then import it again."
    return ERROR_PREFIX + said + advice


def _mark(folder: Path, import_id: str, phase: str) -> Path:
    return folder / f"{import_id}.{phase}"


def attempts(folder: Path, import_id: str, phase: str) -> int:
    """Attempts at `phase` begun and not finished (0 without a mark)."""
    try:
        return int(_mark(folder, import_id, phase).read_text() or 1)
    except FileNotFoundError:
        return 0
    except (OSError, ValueError):  # a mark cut short by the crash still says an attempt began
        return 1


@contextmanager
def attempt(folder: Path, import_id: str, phase: str) -> Iterator[None]:
    """Count one attempt at `phase` on disk (durably, before it begins) for the `with` block; the mark
    goes when the block ends, however it ends, unless the process dies inside it."""
    path = _mark(folder, import_id, phase)
    count = attempts(folder, import_id, phase) + 1
    temporary = path.with_name(path.name + ".new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(descriptor, str(count).encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    os.replace(temporary, path)
    _sync_folder(folder)
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
