"""`convex-backups import FILE --confirm NAME --yes [--no-safety-backup]`: replace every table of a
deployment with a snapshot ZIP from disk (checked locally first), showing the change summary, then
following the import to the end."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from tui.commands import FAILED, NOT_FOUND, OK, REFUSED, Context, Failure, add_common, command_parser, print_json
from tui.commands import run_command

NAME = "import"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = command_parser(
        subparsers, NAME, "import a snapshot ZIP from disk into a deployment (replaces its tables)",
        "Import FILE (a snapshot ZIP: this app's download, or `npx convex export`'s) into the deployment, "
        "replacing all of its tables (tables not in the file are emptied; environment variables, code and "
        "schedules are not touched). The file is checked locally first and a damaged one is refused before "
        "anything is uploaded. Refused unless --yes is given and --confirm names the deployment exactly. A safety "
        "backup of the deployment is taken first unless one younger than five minutes exists (or "
        "--no-safety-backup).",
    )
    parser.add_argument("file", metavar="FILE", type=Path)
    parser.add_argument("--confirm", metavar="NAME", help="the target deployment's exact name")
    parser.add_argument("--yes", action="store_true", help="really import (required)")
    parser.add_argument("--no-safety-backup", action="store_true",
                        help="do not back up the deployment first (its current data is then lost for good)")
    add_common(parser)


def run(args: argparse.Namespace) -> int:
    if not args.yes or not args.confirm:
        print("convex-backups import: refused: an import replaces the deployment's tables; add --yes and "
              "--confirm <deployment name> to go ahead.", file=sys.stderr)
        return REFUSED
    if not args.file.is_file():
        print(f"convex-backups import: {args.file}: no such file", file=sys.stderr)
        return NOT_FOUND
    return run_command(args, _import)


def plan_lines(plan) -> list[str]:
    lines = [f"Import {plan.source} into {plan.target.name} ({plan.target.danger_label}):"]
    for change in plan.changes:
        lines.append(f"  {change.table:<30} write {change.rows_to_write:>10,}  delete {change.rows_to_delete:>10,}"
                     f" of {change.existing_rows:,}")
    lines.append(f"  {'total':<30} write {plan.rows_to_write:>10,}  delete {plan.rows_to_delete:>10,}")
    return lines


async def _import(context: Context) -> int:
    from tui.services.errors import ReadOnlyRefused
    from tui.services.file_import import check_before_upload
    from tui.services.safety import ensure_safety_backup

    args, target = context.args, context.target
    deployment = await context.deployment()
    if args.confirm != deployment.name:
        raise Failure(f"refused: --confirm must be the target deployment's exact name ({deployment.name}); "
                      f"it was {args.confirm!r}.", REFUSED)
    if deployment.read_only:
        raise ReadOnlyRefused(deployment.name, "import into")
    context.note(f"Checking {args.file.name}...")
    await asyncio.to_thread(check_before_upload, args.file, full=False)  # fast; the full check comes next
    safety_id = None
    if not args.no_safety_backup:
        context.note(f"Taking a safety backup of {deployment.name} first (skip with --no-safety-backup)...")
        safety = await ensure_safety_backup(target, deployment, on_progress=context.progress)
        safety_id = safety.backup.id
        context.note(f"Safety backup: {safety_id}" + (" (taken less than five minutes ago)" if safety.reused else ""))
    plan = await target.prepare_file_import(args.file, deployment, on_progress=context.progress)
    try:
        for line in plan_lines(plan):
            context.note(line)
        await target.confirm_restore(plan)  # only now, with the change summary shown
    except BaseException:
        await target.abandon_restore(plan)
        raise
    async for progress in target.follow_restore(plan):
        context.progress(progress)
    result = await target.restore_result(plan)
    if args.json:
        print_json({"plan": plan, "result": result, "safety_backup": safety_id})
    elif result.ok:
        print(f"Imported {args.file.name} into {deployment.name}: {result.rows_written or 0:,} documents written.")
    else:
        print(f"The import into {deployment.name} {result.state}: {result.error or 'no reason given'}")
    return OK if result.ok else FAILED
