"""A demo backup as of the time it is listed at.

The demo world's backups are made now, through the real export machinery, and listed days ago. So that
what the operator downloads agrees with the listing, the export is made to look as it would have then:
its snapshot time (`start_ts`, which also names the ZIP) becomes the listed time, and the ZIP keeps only
the documents and files created by then. Documents are seeded oldest first and point only at older ones
(`tui.emulator.demo.maker`), so what remains is whole.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import orjson

from tui.archive.layout import DOCUMENTS_FILE, STORAGE_DIR
from tui.emulator.exports import state as exports
from tui.emulator.deployment import system_tables
from tui.emulator.deployment.deployment import Deployment


def date_back(deployment: Deployment, export_id: str, snapshot_ms: int, completed_ms: int) -> None:
    """Make completed export `export_id` a snapshot taken at `snapshot_ms`, finished at `completed_ms`."""
    export = exports.get(deployment.db.connection(), export_id)
    if export is None or export["state"] != "completed":
        return
    path = deployment.export_worker.zip_path(export)
    size = _keep_until(path, snapshot_ms)
    with deployment.db.write() as txn:
        current = exports.get(txn.conn, export_id)
        assert current is not None  # the export just made
        current.update(start_ts=snapshot_ms * 1_000_000, complete_ts=completed_ms * 1_000_000, size=size)
        system_tables.replace(txn, current)


def _keep_until(path: Path, cutoff_ms: int) -> int:
    """Rewrite the ZIP without documents or files created after `cutoff_ms`; its new size."""
    partial = path.with_name(path.name + ".dating")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(partial, "w") as target:
        members = source.infolist()
        dropped: set[str] = set()
        # Storage metadata first, so the files it drops are known before their members are reached.
        storage_indexes = [m for m in members if _is_storage_index(m.filename)]
        for member in storage_indexes:
            lines = source.read(member).splitlines()
            dropped |= {orjson.loads(line)["_id"] for line in lines if _created_after(line, cutoff_ms)}
        for member in members:
            name = member.filename
            if name.endswith("/" + DOCUMENTS_FILE) and not name.split("/")[-2] == "_tables":
                kept = [line for line in source.read(member).splitlines() if not _created_after(line, cutoff_ms)]
                target.writestr(member, b"".join(line + b"\n" for line in kept))
            elif _storage_file_id(name) in dropped:
                continue
            else:
                target.writestr(member, source.read(member))
    os.replace(partial, path)
    return path.stat().st_size


def _created_after(line: bytes, cutoff_ms: int) -> bool:
    return bool(line.strip()) and orjson.loads(line).get("_creationTime", 0) > cutoff_ms


def _is_storage_index(name: str) -> bool:
    parts = name.split("/")
    return len(parts) >= 2 and parts[-2] == STORAGE_DIR and parts[-1] == DOCUMENTS_FILE


def _storage_file_id(name: str) -> str | None:
    parts = name.split("/")
    if len(parts) < 2 or parts[-2] != STORAGE_DIR or parts[-1] == DOCUMENTS_FILE:
        return None
    return parts[-1].split(".", 1)[0]
