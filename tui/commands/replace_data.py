"""What `restore` and `import` share: both replace every table of a deployment, so both need the typed
name, a safety backup first, the change summary printed before the confirmation, and the same way of
following the server to the end and reporting it."""

from __future__ import annotations

import asyncio
from typing import Any

from tui.commands import FAILED, OK, REFUSED, Context, Failure, print_json
from tui.api.errors import NetworkError, RateLimited, ServerError
from tui.api.secrets import scrub
from tui.services import lost_restore
from tui.services.errors import ReadOnlyRefused
from tui.services.safety import ensure_safety_backup


def check_target(context: Context, deployment: Any, verb: str) -> None:
    """Refuse unless --confirm names the deployment exactly and it is not marked read-only."""
    confirm = context.args.confirm
    if confirm != deployment.name:
        raise Failure(f"refused: --confirm must be the target deployment's exact name ({deployment.name}); "
                      f"it was {confirm!r}.", REFUSED)
    if deployment.read_only:
        raise ReadOnlyRefused(deployment.name, verb)


async def safety_backup(context: Context, deployment: Any) -> str | None:
    """The safety backup's id (an existing one from the last five minutes counts), or None when skipped."""
    if context.args.no_safety_backup:
        return None
    context.note(f"Taking a safety backup of {deployment.name} first (skip with --no-safety-backup)...")
    safety = await ensure_safety_backup(context.target, deployment, on_progress=context.progress)
    context.note(f"Safety backup: {safety.backup.id}" + (" (taken less than five minutes ago)" if safety.reused else ""))
    return safety.backup.id


def summary(plan: Any, verb: str) -> list[str]:
    lines = [f"{verb} {plan.source} into {plan.target.name} ({plan.target.danger_label}):"]
    for change in plan.changes:
        lines.append(f"  {change.table:<30} write {change.rows_to_write:>10,}  delete {change.rows_to_delete:>10,}"
                     f" of {change.existing_rows:,}")
    lines.append(f"  {'total':<30} write {plan.rows_to_write:>10,}  delete {plan.rows_to_delete:>10,}")
    return lines


async def confirm_and_follow(context: Context, plan: Any, verb: str, noun: str) -> Any:
    """Print the change summary, only then confirm the staged data, follow it to the end; its result."""
    target = context.target
    try:
        for line in summary(plan, verb):
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
        context.note(f"\nStopped watching; the {noun} into {plan.target.name} continues on the deployment "
                     "(interrupting does not cancel it).")
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
