"""What each checklist step does on the server, recorded in the `Checklist` as it happens. No textual.

The rule that makes resuming safe: the id of a server-side operation (a backup, a restore's import) is
saved in the checklist the moment it is known, before it is followed. A checklist opened again after the
app died follows that id (`resume`), and never requests a second backup or confirms a second restore.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tui.api.credentials.dotenv import parse_dotenv
from tui.services.checklist import pause as checklist_pause
from tui.services.restore import safety
from tui.services.checklist.state import Checklist
from tui.services.checklist.data import client_for
from tui.services.protocol import (
    BackupRecord,
    BackupTarget,
    DeploymentRef,
    EnvSnapshot,
    Progress,
    RestorePlan,
    RestoreResult,
)
from tui.services.restore.safety import SafetyOptions

OnProgress = Callable[[Progress], None] | None


def _note(on_progress: OnProgress, progress: Progress) -> None:
    if on_progress is not None:
        on_progress(progress)


# -- step 0 ------------------------------------------------------------------------------------------------
async def supports_pause(target: BackupTarget) -> bool:
    """Whether the target can pause: Cloud, self-hosted and the sandbox all can (pause.py)."""
    return checklist_pause.supports_pause(target)


def scope_text(ref: DeploymentRef, *, pause_supported: bool) -> str:
    touched = (
        f"Will touch {ref.name} ({ref.danger_label}) only: its data (restore, manual fixes), its "
        "environment variables and its deployed code, each only after you confirm."
    )
    untouched = (
        "Will not touch: other deployments, existing backups (none is deleted), the periodic "
        "schedule, file storage outside a restore, your local project files (code is pushed from a "
        "temporary git worktree)."
    )
    pause = (
        "Pausing (optional, p): refuses the app's functions, HTTP actions and file URLs; data edits, "
        "restores, code pushes and env changes keep working."
        if pause_supported
        else "Pausing: not supported by this target (pause it from the Convex dashboard if you need to stop "
        "further damage; data repair through system functions still works while paused)."
    )
    return f"{touched}\n{untouched}\n{pause}"


# -- step 1 ------------------------------------------------------------------------------------------------
# The same choices as the restore wizard's safety step (tui/commands/README.md "Restoring"), always with file storage: a
# fresh backup (recommended below the plan's limit), a local safety snapshot that uses no backup slot
# (recommended at the limit, where a fresh backup would be refused), the oldest backup downloaded and
# deleted to free a slot, or a backup from the last five minutes reused on request.
SafetyHow = Literal["fresh", "local", "oldest", "recent"]


async def safety_choices(target: BackupTarget, ref: DeploymentRef) -> SafetyOptions:
    """What step 1 can do on `ref` now (changes nothing)."""
    return await safety.safety_options(target, ref, source_has_storage=True)


async def safety_backup(
    checklist: Checklist,
    target: BackupTarget,
    ref: DeploymentRef,
    on_progress: OnProgress = None,
    *,
    how: SafetyHow = "fresh",
    options: SafetyOptions | None = None,
) -> BackupRecord:
    """Take (or, after a restart, keep following) the safety copy with file storage. A cloud backup's id
    is saved before it is followed, so a resumed checklist never requests a second one. `options` (from
    `safety_choices`) is needed for "oldest" and "recent"."""
    state = checklist.steps[1]
    backup_id = state.data.get("backup_id") if state.status == "running" else None
    if backup_id is None:
        if how == "local":
            return await _local_snapshot(checklist, target, ref, on_progress)
        if how == "recent":
            assert options is not None and options.recent is not None
            return _reuse(checklist, options.recent)
        checklist.start(1, how=how)
        if how == "oldest":
            assert options is not None and options.oldest is not None
            try:
                saved = await safety.free_slot(target, ref, options.oldest, on_progress=on_progress)
            except Exception as exc:
                checklist.fail(
                    1,
                    f"the oldest backup {options.oldest.id} could not be kept on disk and deleted: "
                    f"{exc}; nothing was deleted unless it was saved first",
                )
                raise
            checklist.record(1, freed=options.oldest.id, freed_to=str(saved.path))
        _note(on_progress, Progress("Asking for a backup with file storage…"))
        try:
            started = await target.request_backup(ref, include_storage=True)
        except Exception as exc:
            checklist.fail(1, f"the backup could not be requested: {exc}")
            raise
        checklist.record(1, backup_id=started.id, env_snapshot=started.env_snapshot, notes=list(started.notes))
        backup_id = started.id
    last: Progress | None = None
    async for progress in target.follow_backup(ref, backup_id):
        last = progress
        _note(on_progress, progress)
    record = await target.get_backup(ref, backup_id)
    env_id = record.env_snapshot or state.data.get("env_snapshot")
    if record.state == "complete":
        size = f", {record.size:,} bytes" if record.size else ""
        env = f"; env vars saved as {env_id}" if env_id else "; env vars NOT saved"
        freed = state.data.get("freed")
        kept = f"; backup {freed} was saved to {state.data.get('freed_to')} and deleted to free a slot" if freed else ""
        checklist.done(
            1,
            f"backup {backup_id} complete (with file storage{size}){env}{kept}",
            backup_id=backup_id,
            env_snapshot=env_id,
            size=record.size,
        )
    else:
        checklist.fail(
            1, f"backup {backup_id} ended {record.state}: {last.message if last else ''}".strip(), backup_id=backup_id
        )
    return record


async def _local_snapshot(
    checklist: Checklist, target: BackupTarget, ref: DeploymentRef, on_progress: OnProgress
) -> BackupRecord:
    """No server-side id to follow: after a restart a "running" local snapshot is simply redone (x)."""
    checklist.start(1, how="local")
    try:
        record = await safety.take_local(target, ref, include_storage=True, on_progress=on_progress)
    except Exception as exc:
        checklist.fail(1, f"the local safety snapshot failed: {exc}")
        raise
    where = record.notes[0] if record.notes else ""
    size = f", {record.size:,} bytes" if record.size else ""
    checklist.done(
        1,
        f"local safety snapshot {record.id} complete (with file storage{size}; no backup slot used). {where}".strip(),
        backup_id=record.id,
        local=True,
        where=where,
        env_snapshot=record.env_snapshot,
        size=record.size,
    )
    return record


def _reuse(checklist: Checklist, recent: BackupRecord) -> BackupRecord:
    checklist.start(1, how="recent")
    checklist.done(
        1,
        f"reused {safety.reuse_words(recent)}",
        backup_id=recent.id,
        reused=True,
        env_snapshot=recent.env_snapshot,
        size=recent.size,
    )
    return recent


def download_command(ref: DeploymentRef, backup_id: str) -> str:
    return f"convex-backups download --deployment {ref.name} {backup_id}"


# -- step 2 ------------------------------------------------------------------------------------------------
async def table_counts(target: BackupTarget, ref: DeploymentRef) -> dict[str, int]:
    client = await client_for(target, ref)
    return await client.table_sizes(await client.user_tables())


def begin_restore(checklist: Checklist, backup: BackupRecord | None, counts_before: dict[str, int] | None) -> None:
    """`backup` None: the wizard chooses the source (another deployment's backup, a ZIP on disk)."""
    checklist.start(
        2,
        backup_id=backup.id if backup else None,
        source=backup.deployment if backup else None,
        counts_before=counts_before,
    )


def restore_safety_requested(checklist: Checklist, backup_id: str) -> None:
    if checklist.steps[2].status == "running":
        checklist.record(2, safety_backup_id=backup_id)


def restore_staged(checklist: Checklist, plan: RestorePlan) -> None:
    safety = {"safety_backup_id": plan.safety_backup_id} if plan.safety_backup_id else {}  # else keep the wizard's
    checklist.record(
        2,
        import_id=plan.import_id,
        confirmed=False,
        backup_id=plan.backup_id,
        rows_to_write=plan.rows_to_write,
        rows_to_delete=plan.rows_to_delete,
        **safety,
    )


def restore_confirmed(checklist: Checklist, plan: RestorePlan) -> None:
    checklist.record(2, import_id=plan.import_id, confirmed=True)


def plan_of(checklist: Checklist, ref: DeploymentRef, import_id: str | None = None) -> RestorePlan:
    """The recorded restore (or the import `import_id` of it), enough to follow it again and ask how it ended."""
    data = checklist.steps[2].data
    return RestorePlan(
        source=f"backup {data.get('backup_id')}",
        target=ref,
        changes=(),
        message_to_confirm=None,
        require_manual_confirmation=False,
        import_id=import_id or data["import_id"],
        backup_id=data.get("backup_id"),
        safety_backup_id=data.get("safety_backup_id"),
    )


async def counts_now(target: BackupTarget, ref: DeploymentRef) -> dict[str, int] | None:
    """The per-table counts as they are now; None when they cannot be read (never an empty table of "–")."""
    try:
        return await table_counts(target, ref)
    except Exception:  # noqa: BLE001 - the outcome matters more than the counts
        return None


async def finish_restore(
    checklist: Checklist, target: BackupTarget, ref: DeploymentRef, result: RestoreResult
) -> dict[str, int] | None:
    counts_after = await counts_now(target, ref)
    data = checklist.steps[2].data
    source = f"backup {data.get('backup_id')}" if data.get("backup_id") else f"file {data.get('source_file')}"
    what = f"{source} restored into {ref.name} (import {data.get('import_id')})"
    if result.ok:
        checklist.record_restore(data.get("backup_id"), data.get("import_id"), result.rows_written)
        checklist.done(2, f"{what}: {result.rows_written or 0:,} documents written", counts_after=counts_after)
    else:
        # A failed import changes nothing (Convex writes a restore's tables all at once, at its end).
        checklist.fail(
            2,
            f"{what} ended {result.state}: {result.error or 'no reason given'}; nothing was restored",
            counts_after=counts_after,
            nothing_restored=True,
        )
    return counts_after


async def follow_recorded_restore(
    checklist: Checklist, target: BackupTarget, ref: DeploymentRef, on_progress: OnProgress = None
) -> RestoreResult:
    """After a restart or a lost connection: follow the restore whose import id was recorded at
    confirmation. Nothing is confirmed or started again."""
    plan = plan_of(checklist, ref)
    first = await target.restore_result(plan)
    if first.state == "waiting_for_confirmation":  # the app died between recording and confirming
        try:
            await target.abandon_restore(plan)
        except Exception:  # noqa: BLE001 - already gone
            pass
        checklist.fail(
            2,
            f"the restore {plan.import_id} never reached the server's confirmation; it was "
            "dropped and nothing was restored (g starts it again)",
            counts_after=await counts_now(target, ref),
            nothing_restored=True,
        )
        return first
    async for progress in target.follow_restore(plan):
        _note(on_progress, progress)
    result = await target.restore_result(plan)
    await finish_restore(checklist, target, ref, result)
    return result


# A restore staged and never confirmed: it changes nothing, but it blocks every later restore and import of
# the deployment until it is canceled (or expires).
UNCONFIRMED = ("uploaded", "waiting_for_confirmation")
STAGING_CLOCK_SLACK_S = 120.0  # the server's clock against this machine's, when matching by time


async def staged_imports(checklist: Checklist, target: BackupTarget, ref: DeploymentRef) -> list[Any]:
    """The unconfirmed imports of `ref` that step 2 staged: the recorded one, or, when the app died between
    the server staging it and the checklist recording its id, a restore of the same backup (or, on
    self-hosted, a replace-all import) created since step 2 began."""
    state = checklist.steps[2]
    recorded, backup_id = state.data.get("import_id"), state.data.get("backup_id")
    since = state.started.timestamp() * 1000 - STAGING_CLOCK_SLACK_S * 1000 if state.started else None
    client = await client_for(target, ref)

    def ours(document: Any) -> bool:
        if document.id == recorded:
            return True
        if since is None or (document.creation_time_ms or 0) < since:
            return False
        if document.is_cloud_restore:
            return str(document.source_cloud_backup_id) == str(backup_id)
        return (document.mode or "").lower() == "replaceall"

    return [d for d in await client.list_imports() if d.state in UNCONFIRMED and ours(d)]


async def drop_unconfirmed_restore(checklist: Checklist, target: BackupTarget, ref: DeploymentRef) -> str:
    """After a restart, step 2 running without a confirmation: the app stopped at the restore's safety or
    review step. Cancel what it staged and end the step saying what is on the server now."""
    state = checklist.steps[2]
    where = "review" if state.data.get("import_id") else "safety backup or review"
    try:
        staged = await staged_imports(checklist, target, ref)
    except Exception as exc:  # noqa: BLE001 - said in the outcome; the step stays as it was
        raise RuntimeError(f"Could not read the imports of {ref.name} to find the staged restore: {exc}") from exc
    errors: dict[str, str] = {}
    for document in staged:
        try:
            await target.abandon_restore(plan_of(checklist, ref, document.id))
        except Exception as exc:  # noqa: BLE001 - said below, with the command that cancels it
            errors[document.id] = str(exc)
    try:  # asked again: some targets cancel quietly, and the step must say what is really on the server
        waiting = {d.id for d in await staged_imports(checklist, target, ref)}
    except Exception:  # noqa: BLE001 - then only the errors tell
        waiting = set(errors)
    canceled = [d.id for d in staged if d.id not in waiting]
    left = [f"{i} ({errors[i]})" if i in errors else i for i in sorted(waiting)]
    if canceled:
        server = f"the staged restore {', '.join(canceled)} was never confirmed and was canceled on the server"
    else:
        server = "no restore of it is staged on the server"
    if left:
        server += (
            f"; could NOT cancel {', '.join(left)}: it changes nothing but blocks the next restore "
            f"until canceled (convex-backups imports --deployment {ref.name})"
        )
    safety = state.data.get("safety_backup_id")
    if safety:  # taken by the restore wizard before it stopped: say where it stands, it may be the way back
        try:
            record = await target.get_backup(ref, str(safety))
            server += f"; the restore's safety backup {safety} is {record.state}"
        except Exception:  # noqa: BLE001 - the id is still worth saying
            server += f"; the restore's safety backup was {safety}"
    outcome = (
        f"the app stopped at the restore's {where}; {server}; nothing was restored, the data is as it "
        "was (g starts the restore again)"
    )
    checklist.fail(
        2, outcome, counts_after=await counts_now(target, ref), nothing_restored=True, canceled_imports=canceled
    )
    return outcome


async def resume(
    checklist: Checklist, target: BackupTarget, ref: DeploymentRef, on_progress: OnProgress = None
) -> list[str]:
    """Pick up every operation that was running when the checklist was last saved. Returns what was done."""
    said = []
    for step, op_id in checklist.running_operations():
        if step == 1:
            record = await safety_backup(checklist, target, ref, on_progress)
            said.append(f"followed backup {op_id} to {record.state}")
        elif step == 2:
            result = await follow_recorded_restore(checklist, target, ref, on_progress)
            said.append(f"followed restore {op_id} to {result.state}")
        elif op_id in ("pause", "unpause"):
            said.append(await checklist_pause.reconcile(checklist, target, ref))
    if interrupted_restore(checklist):
        said.append(await drop_unconfirmed_restore(checklist, target, ref))
    return said


def interrupted_restore(checklist: Checklist) -> bool:
    """Step 2 "running" without a confirmed import: the app stopped inside the restore wizard."""
    state = checklist.steps[2]
    return state.status == "running" and not state.data.get("confirmed")


def needs_resume(checklist: Checklist) -> bool:
    return bool(checklist.running_operations()) or interrupted_restore(checklist)


# -- step 4 ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EnvComparison:
    """Live versus wanted, by name. Values are kept for applying and revealing; repr shows names only."""

    source: str  # "saved set <id>" or a file path
    saved_id: str | None
    live: dict[str, str]
    wanted: dict[str, str]

    def __repr__(self) -> str:
        return f"EnvComparison({self.source!r}, added={self.added}, removed={self.removed}, changed={self.changed})"

    @property
    def added(self) -> tuple[str, ...]:  # in the wanted set only: applying creates them
        return tuple(sorted(set(self.wanted) - set(self.live)))

    @property
    def removed(self) -> tuple[str, ...]:  # live only: applying deletes them
        return tuple(sorted(set(self.live) - set(self.wanted)))

    @property
    def changed(self) -> tuple[str, ...]:
        return tuple(sorted(n for n in set(self.live) & set(self.wanted) if self.live[n] != self.wanted[n]))

    @property
    def differences(self) -> tuple[tuple[str, str], ...]:
        """(name, "added" | "removed" | "changed"), sorted by name."""
        rows = (
            [(n, "added") for n in self.added]
            + [(n, "removed") for n in self.removed]
            + [(n, "changed") for n in self.changed]
        )
        return tuple(sorted(rows))


def saved_for_backup(saved: Iterable[EnvSnapshot], backup_id: str | None) -> EnvSnapshot | None:
    return next((s for s in saved if backup_id and s.reason == f"backup {backup_id}"), None)


async def compare_env(
    target: BackupTarget, ref: DeploymentRef, *, saved_id: str | None = None, file: Path | None = None
) -> EnvComparison:
    live = dict((await target.env_live(ref)).values)
    if file is not None:
        return EnvComparison(str(file), None, live, parse_dotenv(Path(file).read_text(encoding="utf-8")))
    saved = await target.env_saved(ref)
    chosen = next((s for s in saved if s.id == saved_id), None) if saved_id else (saved[0] if saved else None)
    if chosen is None:
        raise LookupError(f"No saved set {saved_id or ''} of {ref.name}'s environment variables.".replace("  ", " "))
    return EnvComparison(f"saved set {chosen.id} ({chosen.reason})", chosen.id, live, dict(chosen.values))


async def apply_env(
    checklist: Checklist, target: BackupTarget, ref: DeploymentRef, comparison: EnvComparison, names: Iterable[str]
) -> dict[str, list[str]]:
    """Apply the chosen differences in one all-or-nothing update: every one of a saved set through
    `env_restore`, otherwise a partial update through the deployment's API. Records names only."""
    chosen = set(names)
    kinds = dict(comparison.differences)
    chosen &= set(kinds)
    applied = {kind: sorted(n for n in chosen if kinds[n] == kind) for kind in ("added", "removed", "changed")}
    if not chosen:
        checklist.done(4, f"nothing to apply from {comparison.source}", source=comparison.source, **applied)
        return applied
    checklist.start(4, source=comparison.source)
    try:
        if comparison.saved_id and chosen == set(kinds):
            await target.env_restore(ref, comparison.saved_id)
        else:
            updates: dict[str, str | None] = {
                n: (None if kinds[n] == "removed" else comparison.wanted[n]) for n in chosen
            }
            client = await client_for(target, ref)
            await client.update_env(updates)
    except Exception as exc:
        checklist.fail(4, f"applying {len(chosen)} change(s) from {comparison.source} failed: {exc}")
        raise
    words = ", ".join(f"{len(v)} {k}" for k, v in applied.items() if v)
    checklist.done(4, f"applied {words} from {comparison.source}", source=comparison.source, **applied)
    return applied


def counts_table(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[tuple[str, str, str]]:
    """(table, before, after) rows for every table in either. A side that was never read says "not read";
    "–" means the table is not there on that side."""

    def cell(counts: dict[str, Any] | None, table: str) -> str:
        if counts is None:
            return "not read"
        value = counts.get(table)
        return f"{value:,}" if isinstance(value, int) else "–"

    tables = sorted(set(before or {}) | set(after or {}))
    return [(t, cell(before, t), cell(after, t)) for t in tables]
