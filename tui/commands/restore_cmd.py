"""`convex-backups restore BACKUP_ID [--from DEPLOYMENT] --confirm NAME --yes [--no-safety-backup]`:
restore a backup into the deployment (the same one, or another of the team)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from tui.commands import (
    FAILED,
    NOT_FOUND,
    OK,
    REFUSED,
    Context,
    Failure,
    add_common,
    command_parser,
    print_json,
    run_command,
)
from tui.services.errors import ReadOnlyRefused
from tui.services.protocol import RestorePlan
from tui.services.safety import ensure_safety_backup

NAME = "restore"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = command_parser(
        subparsers, NAME, "restore a backup into a deployment (replaces its tables)",
        "Restore backup BACKUP_ID into the deployment (--deployment, default the configured one). Every table "
        "in the deployment is replaced by the backup's. Refused unless --yes is given and --confirm names the "
        "target deployment exactly. First takes a safety backup of the target (unless one younger than five "
        "minutes exists, or --no-safety-backup), then stages the restore, prints the change summary, "
        "confirms it and follows it to the end. Environment variables, code and schedules are not changed.",
    )
    parser.add_argument("backup_id", metavar="BACKUP_ID")
    parser.add_argument("--from", dest="source", metavar="DEPLOYMENT",
                        help="the deployment the backup belongs to (default: the target)")
    parser.add_argument("--confirm", metavar="NAME", help="the target deployment's exact name")
    parser.add_argument("--yes", action="store_true", help="really restore (required)")
    parser.add_argument("--no-safety-backup", action="store_true",
                        help="do not back up the target first (its current data is then lost for good)")
    add_common(parser)


def run(args: argparse.Namespace) -> int:
    if not args.yes:
        print("convex-backups restore: refused: a restore replaces the target's tables; add --yes and "
              "--confirm <target deployment name> to go ahead.", file=sys.stderr)
        return REFUSED
    return run_command(args, _restore)


def summary(plan: RestorePlan) -> list[str]:
    lines = [f"Restore {plan.source} into {plan.target.name} ({plan.target.danger_label}):"]
    for change in plan.changes:
        lines.append(f"  {change.table:<30} write {change.rows_to_write:>10,}  delete {change.rows_to_delete:>10,}"
                     f" of {change.existing_rows:,}")
    lines.append(f"  {'total':<30} write {plan.rows_to_write:>10,}  delete {plan.rows_to_delete:>10,}")
    return lines


async def _restore(context: Context) -> int:
    args, target = context.args, context.target
    deployment = await context.deployment()
    if args.confirm != deployment.name:
        raise Failure(f"refused: --confirm must be the target deployment's exact name ({deployment.name}); "
                      f"it was {args.confirm!r}.", REFUSED)
    if deployment.read_only:
        raise ReadOnlyRefused(deployment.name, "restore into")
    source = await target.get_deployment(args.source) if args.source else deployment
    backup = await target.get_backup(source, args.backup_id)
    if args.source and backup.source_deployment != source.name:
        raise Failure(f"Backup {args.backup_id} belongs to {backup.source_deployment}, not {source.name}.", NOT_FOUND)
    if backup.state != "complete":
        raise Failure(f"Backup {backup.id} is {backup.state}; only complete backups can be restored.", FAILED)
    safety_id = None
    if not args.no_safety_backup:
        context.note(f"Taking a safety backup of {deployment.name} first (skip with --no-safety-backup)...")
        safety = await ensure_safety_backup(target, deployment, on_progress=context.progress)
        safety_id = safety.backup.id
        context.note(f"Safety backup: {safety_id}" + (" (taken less than five minutes ago)" if safety.reused else ""))
    plan = await target.prepare_restore(backup.id, deployment, source=source)
    try:
        for line in summary(plan):
            context.note(line)
        await target.confirm_restore(plan)  # only now, with the change summary shown
    except BaseException:
        await target.abandon_restore(plan)  # a staged import would block the next restore
        raise
    try:
        async for progress in target.follow_restore(plan):
            context.progress(progress)
    except asyncio.CancelledError:
        context.note(f"\nStopped watching; the restore into {deployment.name} continues on the deployment "
                     "(interrupting does not cancel it).")
        raise
    result = await target.restore_result(plan)
    if args.json:
        print_json({"plan": plan, "result": result, "safety_backup": safety_id})
    elif result.ok:
        print(f"Restored backup {backup.id} into {deployment.name}: {result.rows_written or 0:,} documents written.")
    else:
        print(f"The restore into {deployment.name} {result.state}: {result.error or 'no reason given'}")
    return OK if result.ok else FAILED
