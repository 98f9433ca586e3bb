"""`convex-backups backup [--include-storage] [--wait] [--json]`: take a backup now (its environment
variables are saved beside it), and with --wait follow it to the end (a self-hosted backup always is: this
process downloads it)."""

from __future__ import annotations

import argparse
import asyncio

from tui.api.secrets import scrub
from tui.commands import FAILED, OK, Context, add_common, command_parser, print_json, run_command

NAME = "backup"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = command_parser(
        subparsers,
        NAME,
        "take a backup now",
        "Request a backup of the deployment (refused before asking when its plan's backup limit is reached) and "
        "save its environment variables locally, since backups leave them out. With --wait, follow it until it "
        "completes (progress on stderr when it is a terminal); the exit code then says whether it completed.",
    )
    parser.add_argument("--include-storage", action="store_true", help="include file storage in the backup")
    parser.add_argument("--wait", action="store_true", help="wait until the backup completes, fails or is canceled")
    add_common(parser)


def run(args: argparse.Namespace) -> int:
    return run_command(args, _backup)


async def _backup(context: Context) -> int:
    target = context.target
    deployment = await context.deployment()
    record = await target.request_backup(deployment, include_storage=context.args.include_storage)
    for note in record.notes:
        context.note(f"note: {note}")
    if not context.args.json:
        print(
            f"Backup {record.id} of {deployment.name} requested"
            + (f"; environment variables saved as {record.env_snapshot}" if record.env_snapshot else "")
            + "."
        )
    # A self-hosted backup is downloaded by this very process, which cannot end before it does: so it is
    # followed to its end with or without --wait, and a failure is told rather than left unsaid.
    if not context.args.wait and context.info.kind != "selfHosted":
        if context.args.json:
            print_json(record)
        return OK
    try:
        async for progress in target.follow_backup(deployment, record.id):
            context.progress(progress)
    except asyncio.CancelledError:
        context.note(f"\nStopped watching; backup {record.id} continues (see `convex-backups list`).")
        raise
    final = await target.get_backup(deployment, record.id)
    if context.args.json:
        print_json(final if not record.env_snapshot else _with_env(final, record))
    else:
        print(f"Backup {final.id} is {final.state}.")
    if final.state != "complete":
        why = "; ".join(n for n in final.notes if n) or "no reason was given"
        context.note(f"convex-backups backup: backup {final.id} {final.state}: {scrub(why)}")
    return OK if final.state == "complete" else FAILED


def _with_env(final, requested):
    from dataclasses import replace

    return replace(final, env_snapshot=final.env_snapshot or requested.env_snapshot, notes=requested.notes)
