"""Marks on disk that say the import worker is reading or writing an import, so that a process that died
doing it is known at the next start.

A file that kills the process while it is read (say, a hostile upload that exhausts memory) would kill
it again at every start, and every deployment it serves with it. So an import whose reading (the parse
phase) was under way when the process died is failed at the next start instead of read again; one whose
writing (the execute phase) was, starts over as Convex's does, but no more than MAX_WRITE_ATTEMPTS times.

A mark is `<imports folder>/<import id>.<phase>` holding the number of attempts begun; the worker's sweep
deletes it with the import's file once the import has ended.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tui.emulator.imports import ERROR_PREFIX

READING, WRITING = "reading", "writing"
MAX_WRITE_ATTEMPTS = 3
READING_DIED_MESSAGE = (
    ERROR_PREFIX + "The sandbox stopped while it was reading this file, so it was not read again: a file that "
    "stops the sandbox would stop it at every start. Nothing was changed. Check the file with "
    "`convex-backups verify`, then import it again."
)
WRITING_DIED_MESSAGE = (
    ERROR_PREFIX + f"The sandbox stopped {MAX_WRITE_ATTEMPTS} times while it was writing this import, so it was "
    "not started again. Nothing was changed. Check the file with `convex-backups verify`, then import it again."
)


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
