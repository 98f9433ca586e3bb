"""Restore single documents, and keep what a full restore would lose (tui/commands/README.md "Restore only what is
broken").

Convex writes a document with a chosen `_id` and `_creationTime` only through a snapshot import, and an
import in `replace` mode replaces exactly the tables in its ZIP, atomically (one import, one commit). So:

1. `stage`: take a snapshot of the deployment now (no backup slot, not kept), work out the edits from it
   (a plan against a diff of the backup, or rescued documents), write a ZIP of the edited tables as they
   are now with the edits applied (`tui.archive.document_patch`), and stage it in `replace` mode. Nothing
   changes until the plan is confirmed; every other table is left alone.
2. The caller confirms and follows the import like any restore.
3. `verify`: take another snapshot and diff the edited tables against the first one. Every put document
   must be there as put, every removed one gone; any other difference is a write made to those tables while
   this ran (the import replaced the tables with their contents at step 1, so such a write may be lost) and
   is reported.

Rescue: before a full restore, the documents it would revert or remove (changed or created since the
backup, in their current version) are written to a ZIP beside the safety backup; `reapply` puts chosen ones
back through the same steps.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, NamedTuple
from datetime import datetime, timezone
from pathlib import Path

from tui.archive.document_patch import TableEdit, TableOutcome, write_patched_tables
from tui.archive.reader import SnapshotReader
from tui.archive.snapshot_diff import STORAGE, DiffStore, TableCounts, diff_snapshots, same_value
from tui.archive.writer import SnapshotWriter
from tui.services.protocol import BackupRecord, BackupTarget, DeploymentRef, Progress, RestorePlan

if TYPE_CHECKING:
    from tui.services.restore.documents_plan import DocumentsPlan

REPLACE_MODE = "replace"  # replaces exactly the tables in the ZIP, leaves the others alone
# A full restore's rescue needs the backup's ZIP and a snapshot of now, then a diff: skipped by default
# above this size (say so, and `--rescue` asks for it anyway).
RESCUE_AUTO_LIMIT = 1 << 30
RACE_WARNING = (
    "Writes made to these tables between the snapshot just taken and the end of the import are at "
    "risk (the import replaces the tables with their contents at that snapshot); pause the deployment "
    "first (step 0 of the emergency checklist, p) if it is busy. Every other table is left alone."
)

EditsFrom = Callable[[Path, Path], "tuple[dict[str, TableEdit], list[str]]"]  # (now ZIP, folder) -> edits, review


@dataclass
class StagedDocuments:
    plan: RestorePlan
    now_zip: Path
    edits: dict[str, TableEdit]
    review: list[str]
    outcomes: list[TableOutcome] = field(default_factory=list)


@dataclass
class Verification:
    tables: list[str]
    as_planned: int  # put documents found as put, removed ones found gone
    not_as_planned: list[str]  # "table id: what is wrong"
    other_changes: dict[str, int]  # table -> differences nobody planned (writes during the operation)

    @property
    def ok(self) -> bool:
        return not self.not_as_planned

    def lines(self) -> list[str]:
        out = [f"Checked by a second snapshot: {self.as_planned:,} documents as planned in {', '.join(self.tables)}."]
        for problem in self.not_as_planned[:20]:
            out.append(f"  NOT as planned: {problem}")
        for table, count in self.other_changes.items():
            out.append(
                f"  {table}: {count:,} other differences: writes made to it while this ran (they may have "
                "been lost: check them against the safety backup)"
            )
        return out


def _say(on_progress: Callable[[Progress], None] | None, message: str) -> None:
    if on_progress is not None:
        on_progress(Progress(message, state="inProgress"))


async def stage(
    target: BackupTarget,
    deployment: DeploymentRef,
    folder: Path,
    edits_from: EditsFrom,
    *,
    source: str,
    backup_id: str | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> StagedDocuments | None:
    """Steps 1 of the module's docstring; None when the edits change nothing (nothing is staged then)."""
    from tui.services.snapshots.compare import snapshot_now

    folder = _made(Path(folder))
    now_zip = await snapshot_now(
        target, deployment, _made(folder / "before"), include_storage=False, on_progress=on_progress
    )
    edits, review = await asyncio.to_thread(edits_from, now_zip, folder)
    if not edits:
        return None
    patched = folder / "documents.zip"
    outcomes = await asyncio.to_thread(write_patched_tables, now_zip, patched, edits)
    plan = await target.prepare_file_import(
        patched, deployment, on_progress=on_progress, mode=REPLACE_MODE, source=source, backup_id=backup_id
    )
    plan = replace(plan, only_tables=tuple(edits))
    return StagedDocuments(plan, now_zip, edits, review, outcomes)


async def verify(
    target: BackupTarget,
    deployment: DeploymentRef,
    staged: StagedDocuments,
    folder: Path,
    *,
    on_progress: Callable[[Progress], None] | None = None,
) -> Verification:
    from tui.services.snapshots.compare import snapshot_now

    folder = _made(Path(folder))
    after = await snapshot_now(
        target, deployment, _made(folder / "after"), include_storage=False, on_progress=on_progress
    )
    _say(on_progress, "Comparing the edited tables with what was planned")
    return await asyncio.to_thread(_check, staged, after, folder)


def _check(staged: StagedDocuments, after: Path, folder: Path) -> Verification:
    from tui.archive.snapshot_diff import decode_line

    tables = list(staged.edits)
    with SnapshotReader(after) as reader:
        present = {t.label for t in reader.tables}
    with SnapshotReader(staged.now_zip) as reader:
        present |= {t.label for t in reader.tables}
    compared = [t for t in tables if t in present]
    as_planned, wrong = 0, []
    other: dict[str, int] = {}
    store = diff_snapshots(staged.now_zip, after, folder / "verify.sqlite", tables=compared) if compared else None
    try:
        for label in tables:
            edit = staged.edits[label]
            seen: set[str] = set()
            for document in store.iter_documents(label) if store is not None and label in compared else ():
                seen.add(document.id)
                if document.id in edit.put:
                    line, legacy = edit.put[document.id]
                    if document.new_line is not None and same_value(decode_line(line, legacy), document.new()):
                        as_planned += 1
                    else:
                        wrong.append(f"{label} {document.id}: not the version put back")
                elif document.id in edit.drop:
                    if document.status == "deleted":
                        as_planned += 1
                    else:
                        wrong.append(f"{label} {document.id}: still there")
                else:
                    other[label] = other.get(label, 0) + 1
            unchanged = edit.put.keys() - seen  # no difference: right only if it already was as put
            for document_id, now_line in _lines_of(staged.now_zip, label, unchanged).items():
                put_line, legacy = edit.put[document_id]
                if same_value(decode_line(put_line, legacy), decode_line(*now_line)):
                    as_planned += 1
                    unchanged.discard(document_id)
            wrong.extend(f"{label} {document_id}: not put back" for document_id in sorted(unchanged))
            for document_id in edit.drop - seen:
                wrong.append(f"{label} {document_id}: not removed")
    finally:
        if store is not None:
            store.close()
    return Verification(tables, as_planned, wrong, other)


def _lines_of(path: Path, label: str, ids: set[str]) -> dict[str, tuple[bytes, bool]]:
    from tui.archive.document_patch import document_id_of

    found: dict[str, tuple[bytes, bool]] = {}
    if not ids:
        return found
    with SnapshotReader(path) as reader:
        for entry in reader.tables:
            if entry.label == label:
                for _line_no, raw in reader.iter_lines(entry):
                    document_id = document_id_of(raw)
                    if document_id in ids:
                        found[document_id] = (raw, not entry.uniform)
    return found


def edits_for_plan(plan: DocumentsPlan, backup_zip: Path) -> EditsFrom:
    """The edits of a `DocumentsPlan` (`tui.services.restore.documents_plan`), worked out against a diff of
    `backup_zip` with the snapshot `stage` takes; the review says per table what they do."""
    from tui.services.restore.documents_plan import edits_from_diff

    def edits_from(now_zip: Path, work: Path) -> tuple[dict[str, TableEdit], list[str]]:
        with diff_snapshots(backup_zip, now_zip, work / "plan-diff.sqlite") as store:
            edits, reviews = edits_from_diff(plan, store)
        return edits, [f"  {r.table:<30} {r.words()}" for r in reviews]

    return edits_from


# -- rescue ------------------------------------------------------------------------------------------------------


def write_rescue(store: DiffStore, path: Path) -> dict[str, int]:
    """The documents a restore of the diff's old side would revert or remove (changed and created, in their
    new-side version), as a snapshot ZIP; per table how many."""
    numbers: dict[str, dict[str, int]] = {}
    with SnapshotReader(store.sides["new"]) as reader:
        for component in reader.components or [""]:
            numbers[component] = reader.tables_index(component)
    counts: dict[str, int] = {}
    chosen = [
        t
        for t in store.tables()
        if (t.changed or t.created) and t.table != STORAGE and not t.table.endswith("/" + STORAGE)
    ]
    with SnapshotWriter(path) as writer:
        by_component: dict[str, list[tuple[str, int]]] = {}
        for t in chosen:
            component, _, table = t.table.rpartition("/")
            number = numbers.get(component, {}).get(table)
            if number is not None:
                by_component.setdefault(component, []).append((table, number))
        for component, tables in by_component.items():
            writer.write_tables_index(component, tables)
        from tui.archive.document_patch import as_export_line

        for t in chosen:
            component, _, table = t.table.rpartition("/")
            legacy_new = store.legacy_flags(t.table)[1]
            with writer.open_table(component, table) as out:
                for status in ("changed", "created"):
                    for document in store.iter_documents(t.table, status):
                        assert document.new_line is not None  # changed and created documents have a new side
                        out.write_line(as_export_line(document.new_line, legacy_new))
                counts[t.table] = out.documents
    path.chmod(0o600)
    return counts


def rescue_tables(path: Path) -> dict[str, int]:
    """The rescue ZIP's tables and how many documents each holds."""
    with SnapshotReader(path) as reader:
        return {t.label: reader.count_lines(t.documents_member) for t in reader.tables}


def edits_from_rescue(
    path: Path, tables: Collection[str] | None = None, ids: Collection[str] | None = None
) -> tuple[dict[str, TableEdit], list[str]]:
    """Put back the rescued documents (of `tables`, only `ids` if given) as they were rescued."""
    from tui.archive.document_patch import document_id_of

    wanted_ids = set(ids) if ids is not None else None
    edits: dict[str, TableEdit] = {}
    review: list[str] = []
    with SnapshotReader(path) as reader:
        labels = [t.label for t in reader.tables]
        if tables:
            missing = [t for t in tables if t not in labels]
            if missing:
                raise KeyError(
                    f"the rescue file has no table {', '.join(missing)}; it has {', '.join(labels) or 'none'}"
                )
        for entry in reader.tables:
            if tables and entry.label not in tables:
                continue
            edit = TableEdit()
            for _line_no, raw in reader.iter_lines(entry):
                document_id = document_id_of(raw)
                if wanted_ids is None or document_id in wanted_ids:
                    edit.put[document_id] = (raw, not entry.uniform)
            if edit:
                edits[entry.label] = edit
                review.append(f"  {entry.label:<30} put back {len(edit.put):,} rescued documents (their own ids)")
    return edits, review


def rescue_path(target: BackupTarget, deployment: DeploymentRef, backup_id: str) -> Path:
    """Beside the safety backups: `<local backup folder>/rescue/rescue-<deployment>-before-<backup>-<time>.zip`."""
    from tui.api.errors import ConvexApiError

    try:
        base = Path(target.local_backup_folder(deployment))
    except ConvexApiError:
        base = Path.cwd()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", deployment.name)
    return _made(base / "rescue") / f"rescue-{safe}-before-{backup_id}-{stamp}.zip"


class Rescue(NamedTuple):
    path: Path  # the rescue ZIP
    counts: dict[str, int]  # table -> documents rescued
    diff: list[TableCounts]  # the backup against now, per table: what the full restore does (its review says it)


async def save_rescue(
    target: BackupTarget,
    deployment: DeploymentRef,
    source: DeploymentRef,
    backup: BackupRecord,
    folder: Path,
    *,
    on_progress: Callable[[Progress], None] | None = None,
) -> Rescue:
    """Diff backup `backup` (of `source`) against `deployment` now and keep what restoring it would lose."""
    from tui.services.snapshots.compare import backup_zip, compare_files, snapshot_now

    folder = _made(Path(folder))
    old = await backup_zip(target, source, backup.id, _made(folder / "backup"), on_progress=on_progress)
    new = await snapshot_now(target, deployment, _made(folder / "now"), include_storage=False, on_progress=on_progress)
    store = await compare_files(old, new, folder, on_progress=on_progress)
    path = rescue_path(target, deployment, backup.id)
    with store:
        counts = await asyncio.to_thread(write_rescue, store, path)
        diff = store.tables()
    return Rescue(path, counts, diff)


async def save_rescue_in_temp(
    target: BackupTarget,
    deployment: DeploymentRef,
    source: DeploymentRef,
    backup: BackupRecord,
    *,
    on_progress: Callable[[Progress], None] | None = None,
) -> Rescue:
    """`save_rescue` with its downloads in a temporary folder removed afterwards."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="convex-backups-rescue-") as folder:
        return await save_rescue(target, deployment, source, backup, Path(folder), on_progress=on_progress)


def has_data_api(target: BackupTarget) -> bool:
    """Whether a snapshot of now can be taken through the target (Cloud, sandbox, self-hosted all can)."""
    return target.has_data_api


def _made(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
