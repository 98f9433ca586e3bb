"""A deployment's snapshot imports as the operator sees them (`convex-backups imports`, the TUI's staged
imports dialog): which are staged and waiting for someone to confirm them, who staged them, and how old they
are.

Why this matters: an import left `uploaded` or `waiting_for_confirmation` (a client killed at the review
step) stays there on Convex: nothing times it out (Convex fails an import older than 7 days only when its
worker next parses or runs it), and every later restore or import of the deployment is refused while it is
there. Cancelling it (`POST /api/cancel_import`, as the dashboard's Cancel button does) is the way out; it
changes no data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.api.deployment.models import SnapshotImport


STAGED_STATES = ("uploaded", "waiting_for_confirmation")
UNFINISHED_STATES = (*STAGED_STATES, "in_progress")


@dataclass(frozen=True)
class ImportRecord:
    """One `_snapshot_imports` row of a deployment."""

    id: str
    deployment: str
    state: str
    created: datetime | None
    tables: tuple[str, ...] = ()
    mode: str | None = None  # as stored: RequireEmpty, Append, Replace, ReplaceAll
    requestor: str = "snapshotImport"  # or cloudRestore
    source_cloud_backup_id: int | None = None
    member_id: int | None = None
    error: str | None = None
    staged_here: str | None = None  # "this app (pid N) at <time>" when this machine's ledger knows it

    @property
    def staged(self) -> bool:
        """Uploaded or waiting for confirmation: nothing changed yet, and it blocks the next restore."""
        return self.state in STAGED_STATES

    @property
    def unfinished(self) -> bool:
        return self.state in UNFINISHED_STATES

    @property
    def requestor_type(self) -> str:
        """As `SnapshotImport.requestor_type`: the restore checks read either (tui/services/restore/checks.py)."""
        return self.requestor

    def age_seconds(self, now: datetime | None = None) -> float | None:
        if self.created is None:
            return None
        return max(0.0, ((now or datetime.now(timezone.utc)) - self.created).total_seconds())

    @property
    def who(self) -> str:
        if self.requestor == "cloudRestore":
            what = (
                f"a cloud restore of backup {self.source_cloud_backup_id}"
                if self.source_cloud_backup_id
                else "a cloud restore"
            )
        else:
            what = "a snapshot import (npx convex import, the dashboard or this app)"
        if self.member_id:
            what += f" by member {self.member_id}"
        if self.staged_here:
            what += f"; staged by {self.staged_here}"
        return what


def record_of(document: SnapshotImport, deployment: str) -> ImportRecord:
    """From the deployment client's `SnapshotImport`."""
    created = (
        datetime.fromtimestamp(document.creation_time_ms / 1000, timezone.utc) if document.creation_time_ms else None
    )
    tables = tuple(
        f"{c.component_path}/{c.display_table_name}" if c.component_path else c.display_table_name
        for c in document.checkpoints
    )
    if not tables and document.table:
        tables = (document.table,)
    return ImportRecord(
        id=document.id,
        deployment=deployment,
        state=document.state,
        created=created,
        tables=tables,
        mode=document.mode,
        requestor=document.requestor_type,
        source_cloud_backup_id=document.source_cloud_backup_id,
        member_id=document.member_id,
        error=document.error_message if document.state == "failed" else None,
    )


def age_text(seconds: float | None) -> str:
    if seconds is None:
        return "age unknown"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"
