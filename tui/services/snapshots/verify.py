"""Verify any snapshot ZIP on disk (this app's downloads, the official CLI's exports, hand-made ones) and
say so in a plain value that prints as text or JSON.

- full (the default): every entry's CRC, every document decoded as Convex would import it, ids valid,
  unique and in their table's number, `_storage` files against their sha256 (`tui.archive.verify`);
- quick: the integrity check a download passes (CRCs, sizes, storage sha256), without decoding documents;
- both: when `<file>.sha256` exists, the file's sha256 must match it.

Problems with the archive are part of the result (`ok` false, `error` says what and where), never an
exception; a missing or unreadable file raises `FileNotFoundError`/`OSError`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tui.archive.errors import ArchiveError
from tui.archive.layout import parse_snapshot_filename
from tui.archive.verify import VerifyReport, verify_archive
from tui.archive.integrity import IntegrityReport, check_integrity
from tui.services.downloads.sidecar import read_sidecar, sha256_file

Progress = Callable[[str], None]  # one line saying what is being checked


@dataclass(frozen=True)
class TableCount:
    table: str  # `component/table` for a component's table
    documents: int
    bytes: int  # uncompressed


@dataclass(frozen=True)
class VerifyOutcome:
    path: str
    ok: bool
    level: str  # "full" or "quick"
    size: int
    sidecar: str  # "match", "mismatch" or "absent"
    sha256: str | None = None  # computed when there was a sidecar to compare with
    error: dict[str, Any] | None = None  # {code, message, member, line, hint}
    tables: tuple[TableCount, ...] = ()
    documents: int | None = None  # None in quick mode (documents are not counted)
    entries: int | None = None
    storage_files: int = 0
    storage_bytes: int = 0
    storage_missing: int = 0
    storage_unindexed: int = 0
    deployment_name: str | None = None
    snapshot_ts: int | None = None
    elapsed: float = 0.0
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        body = asdict(self)
        body["tables"] = [asdict(t) for t in self.tables]
        body["notes"] = list(self.notes)
        body["elapsed"] = round(self.elapsed, 3)
        return body

    def summary(self) -> str:
        """One line for a person."""
        name = os.path.basename(self.path)
        if not self.ok:
            return f"{name}: NOT OK — {self.error['message'] if self.error else 'unknown problem'}"
        what = (
            f"{self.documents:,} documents in {len(self.tables)} tables"
            if self.documents is not None
            else (f"{self.entries} entries")
        )
        files = f", {self.storage_files} files ({self.storage_bytes:,} bytes)" if self.storage_files else ""
        check = {"match": ", sha256 matches its sidecar", "absent": ""}.get(self.sidecar, "")
        return f"{name}: OK ({self.level}) — {what}{files}{check}"


def error_dict(error: ArchiveError) -> dict[str, Any]:
    return {"code": error.code, "message": str(error), "member": error.member, "line": error.line, "hint": error.hint}


def verify_file(
    path: str | os.PathLike[str],
    *,
    full: bool = True,
    check_sidecar: bool = True,
    strict_storage: bool = True,
    progress: Progress | None = None,
) -> VerifyOutcome:
    """Check `path`; see the module's docstring. Blocking: run it in a thread from async code."""
    path = Path(path)
    size = path.stat().st_size  # FileNotFoundError for a missing file
    started = time.monotonic()
    parsed = parse_snapshot_filename(path.name)
    level = "full" if full else "quick"
    deployment_name, snapshot_ts = parsed if parsed else (None, None)
    sidecar, digest, sidecar_error = _sidecar(path, check_sidecar, progress)
    notes = () if parsed else ("The file name is not Convex's (snapshot_<deployment>_<ts>.zip); that is fine.",)
    tables: tuple[TableCount, ...] = ()
    documents: int | None = None
    try:
        if full:
            report = verify_archive(
                path,
                strict_storage=strict_storage,
                progress=(lambda done, total, message: progress(message)) if progress else None,
            )
            tables = tuple(
                TableCount(f"{t.component_path}/{t.name}" if t.component_path else t.name, t.documents, t.bytes)
                for t in report.tables
            )
            documents = report.documents
            counts: IntegrityReport | VerifyReport = report
            entries = report.members_checked
        else:
            if progress:
                progress("Checking every entry's CRC and the storage files' sha256")
            counts = check_integrity(path, strict_storage=strict_storage)
            entries = counts.entries
    except ArchiveError as exc:
        return VerifyOutcome(
            path=str(path),
            level=level,
            size=size,
            deployment_name=deployment_name,
            snapshot_ts=snapshot_ts,
            ok=False,
            sidecar=sidecar,
            sha256=digest,
            error=error_dict(exc),
            elapsed=time.monotonic() - started,
            notes=notes,
        )
    return VerifyOutcome(
        path=str(path),
        level=level,
        size=size,
        deployment_name=deployment_name,
        snapshot_ts=snapshot_ts,
        ok=sidecar_error is None,
        sidecar=sidecar,
        sha256=digest,
        error=sidecar_error,
        elapsed=time.monotonic() - started,
        notes=notes,
        tables=tables,
        documents=documents,
        entries=entries,
        storage_files=counts.storage_files,
        storage_bytes=counts.storage_bytes,
        storage_missing=counts.storage_missing,
        storage_unindexed=counts.storage_unindexed,
    )


def _sidecar(path: Path, wanted: bool, progress: Progress | None) -> tuple[str, str | None, dict[str, Any] | None]:
    expected = read_sidecar(path) if wanted else None
    if expected is None:
        return "absent", None, None
    if progress:
        progress(f"Comparing the sha256 with {path.name}.sha256")
    actual = sha256_file(path)
    if actual == expected:
        return "match", actual, None
    error = {
        "code": "Sha256SidecarMismatch",
        "member": None,
        "line": None,
        "message": f"the file's sha256 is {actual} but {path.name}.sha256 says {expected}",
        "hint": "The file changed after it was downloaded; download the backup again",
    }
    return "mismatch", actual, error
