"""What `restore` and `import` share: both replace every table of a deployment, so both need the typed
name, the refusals Convex would make checked before anything happens, then a safety copy (`--safety`),
the change summary printed before the confirmation, and the same way of following the server to the end
and reporting it."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from tui.api.errors import ConvexApiError, NetworkError, RateLimited, ServerError
from tui.api.secrets import scrub
from tui.commands import FAILED, OK, REFUSED, USAGE, Context, Failure, print_json
from tui.services.errors import BackupLimitReached, ReadOnlyRefused, RestoreRefused
from tui.services.restore.safety import (
    SAFETY_MODES,
    SafetyBackupFailed,
    reuse_words,
    safety_options,
    take_fresh,
    take_local,
)
from tui.services.restore import lost_restore


def check_target(context: Context, deployment: Any, verb: str) -> None:
    """Refuse unless --confirm names the deployment exactly and it is not marked read-only."""
    confirm = context.args.confirm
    if confirm != deployment.name:
        raise Failure(
            f"refused: --confirm must be the target deployment's exact name ({deployment.name}); it was {confirm!r}.",
            REFUSED,
        )
    if deployment.read_only:
        raise ReadOnlyRefused(deployment.name, verb)


async def check_convex_refusals(context: Context, deployment: Any, backup: Any = None) -> None:
    """What Convex would refuse, before any safety backup is spent on it (`BackupTarget.check_restore`)."""
    try:
        await context.target.check_restore(deployment, backup=backup)
    except RestoreRefused as exc:
        raise Failure(f"refused before anything was done: {exc}", REFUSED) from None


def add_safety_option(parser: argparse.ArgumentParser, noun: str) -> None:
    parser.add_argument(
        "--safety",
        choices=SAFETY_MODES,
        default=None,
        metavar="fresh|recent|local|none",
        help=f"the safety copy taken before the {noun}: fresh (default) a backup taken now, with file storage "
        "when the data needs it; recent reuses a complete backup from the last five minutes (writes made "
        "since are not in it); local a snapshot export downloaded and verified into this app's backup "
        "folder with the env vars (uses no backup slot: the way past a plan's backup limit); none takes "
        "nothing (the current data is then lost for good)",
    )
    parser.add_argument("--no-safety-backup", action="store_true", help=argparse.SUPPRESS)  # old --safety none


def safety_mode(args: argparse.Namespace) -> str:
    if args.no_safety_backup and args.safety not in (None, "none"):
        raise Failure(f"--no-safety-backup contradicts --safety {args.safety}; give one of them.", USAGE)
    return "none" if args.no_safety_backup else (args.safety or "fresh")


async def safety_backup(context: Context, deployment: Any, *, source_has_storage: bool) -> str | None:
    """The safety copy `--safety` asks for (see `tui.services.restore.safety`); its id, or None with `none`.
    Every refusal here comes before anything was changed, and names the flag that gets past it."""
    mode = safety_mode(context.args)
    if mode == "none":
        context.note(
            f"No safety backup of {deployment.name} (--safety none): its current data is lost for good "
            "if this goes wrong."
        )
        return None
    options = await safety_options(context.target, deployment, source_has_storage=source_has_storage)
    files = f" with file storage ({options.storage_reason})" if options.include_storage else ""
    if mode == "recent":
        if options.recent is None:
            lacking = (
                f" ({options.recent_without_files.id} is recent but has no file storage, which this needs)"
                if options.recent_without_files
                else ""
            )
            raise Failure(
                f"refused: {deployment.name} has no complete backup{files} from the last five minutes"
                f"{lacking}; nothing was changed. Use --safety fresh (the default) to take one now, or "
                "--safety local.",
                REFUSED,
            )
        context.note(f"Safety backup (--safety recent): {reuse_words(options.recent)}.")
        return options.recent.id
    if mode == "fresh" and options.at_limit:
        try:
            folder = str(context.target.local_backup_folder(deployment))
        except ConvexApiError:
            folder = "this app's backup folder"
        raise Failure(
            f"refused: {options.limit_words()}; nothing was changed. Use --safety local to save a "
            f"snapshot export into {folder} instead (no backup slot), or delete an older backup first "
            "(convex-backups list shows them), or --safety recent / --safety none.",
            REFUSED,
        )
    if mode == "local":
        context.note(
            f"Saving a local safety snapshot of {deployment.name}{files} (a snapshot export, no backup slot)..."
        )
        try:
            record = await take_local(
                context.target, deployment, include_storage=options.include_storage, on_progress=context.progress
            )
        except SafetyBackupFailed as exc:
            raise Failure(
                f"{exc} Retry, or choose another safety copy: --safety fresh, --safety recent, or "
                "--safety none to go without.",
                FAILED,
            ) from None
        context.note(f"Safety snapshot: {record.id}. {record.notes[0] if record.notes else ''}".rstrip())
        return record.id
    context.note(
        f"Taking a fresh safety backup of {deployment.name}{files} first (--safety recent|local|none "
        "to choose otherwise)..."
    )
    try:
        record = await take_fresh(
            context.target, deployment, include_storage=options.include_storage, on_progress=context.progress
        )
    except (SafetyBackupFailed, BackupLimitReached) as exc:
        done = "" if isinstance(exc, SafetyBackupFailed) else " Nothing was restored."
        raise Failure(
            f"{exc}{done} Retry, or choose another safety copy: --safety local (a snapshot export, no "
            "backup slot), or --safety none to go without.",
            FAILED,
        ) from None
    context.note(f"Safety backup: {record.id}")
    return record.id


def summary(plan: Any, verb: str) -> list[str]:
    lines = [f"{verb} {plan.source} into {plan.target.name} ({plan.target.danger_label}):"]
    for change in plan.changes:
        lines.append(
            f"  {change.table:<30} write {change.rows_to_write:>10,}  delete {change.rows_to_delete:>10,}"
            f" of {change.existing_rows:,}"
        )
    lines.append(f"  {'total':<30} write {plan.rows_to_write:>10,}  delete {plan.rows_to_delete:>10,}")
    return lines


async def confirm_and_follow(
    context: Context, plan: Any, verb: str, noun: str, documents: list[str] | None = None
) -> Any:
    """Print the change summary (after `documents`: what it does to the documents, or why that is not
    known), only then confirm the staged data, follow it to the end; its result."""
    target = context.target
    try:
        for line in [*(documents or []), *summary(plan, verb)]:
            context.note(line)
        await target.confirm_restore(plan)  # only now, with the change summary shown
    except BaseException:
        await target.abandon_restore(plan)  # a staged import would block the next one
        raise
    try:
        async for progress in target.follow_restore(plan):
            context.progress(progress)
        return await target.restore_result(plan)
    except asyncio.CancelledError:
        context.note(
            f"\nStopped watching; the {noun} into {plan.target.name} continues on the deployment "
            "(interrupting does not cancel it)."
        )
        raise
    except (NetworkError, ServerError, RateLimited) as exc:  # confirmed: it carries on without us
        happened, todo = lost_restore.words(plan.target.name, plan.import_id, scrub(str(exc)))
        raise Failure(f"{happened}\n{todo}", FAILED) from None


def report(context: Context, plan: Any, result: Any, safety_id: str | None, done: str, noun: str) -> int:
    """Print the outcome (`done` on success) or the JSON of plan and result; the exit status."""
    if context.args.json:
        print_json({"plan": plan, "result": result, "safety_backup": safety_id})
    elif result.ok:
        print(f"{done}: {result.rows_written or 0:,} documents written.")
    else:
        print(f"The {noun} into {plan.target.name} {result.state}: {result.error or 'no reason given'}")
    return OK if result.ok else FAILED
