"""`convex-backups list [--deployment NAME] [--json]`: deployments and their backups."""

from __future__ import annotations

import argparse

from tui.api.errors import AuthError, NotFound, PermissionDenied
from tui.commands import FAILED, OK, Context, add_common, command_parser, print_json, run_command
from tui.services.protocol import BackupRecord, DeploymentRef

NAME = "list"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = command_parser(subparsers, NAME, "list deployments and their backups",
                            "List the deployments the target reaches and each one's backups, newest first "
                            "(with --deployment: that deployment only).")
    add_common(parser)


def run(args: argparse.Namespace) -> int:
    return run_command(args, _list)


def _when(record: BackupRecord) -> str:
    return f"{record.requested:%Y-%m-%d %H:%M}Z"


def describe_deployment(ref: DeploymentRef) -> str:
    flags = [ref.danger_label] + (["read-only"] if ref.read_only else [])
    where = f"{ref.team}/{ref.project}" if ref.team else ref.project
    return f"{ref.name}  ({', '.join(flags)}; {where}; {ref.region or 'no region'})"


def backup_line(record: BackupRecord) -> str:
    expires = f"expires {record.expires:%Y-%m-%d %H:%M}Z" if record.expires else ""
    storage = "with files" if record.include_storage else "no files"
    env = "env saved" if record.env_snapshot else ""
    parts = [f"{record.id:>10}", f"{record.state:<10}", _when(record), f"{record.kind:<6}", storage, expires, env]
    return "  " + "  ".join(p for p in parts if p)


async def _backups(target, ref: DeploymentRef, several: bool) -> tuple[list[BackupRecord], str | None]:
    """The deployment's backups; with several deployments listed, one that refuses is said on its own line
    (a team token may not reach the dashboard's backup routes) and the others are still listed."""
    try:
        return await target.list_backups(ref), None
    except (AuthError, PermissionDenied, NotFound) as error:
        if not several:
            raise
        return [], error.message


async def _list(context: Context) -> int:
    target = context.target
    if getattr(context.args, "deployment", None):
        deployments = [await context.deployment()]
    else:
        deployments = await target.list_deployments()
    listed = [(ref, *await _backups(target, ref, len(deployments) > 1)) for ref in deployments]
    notes = target.listing_notes() if hasattr(target, "listing_notes") else []
    if context.args.json:
        print_json({"target": context.info, "notes": notes,
                    "deployments": [{"deployment": ref, "backups": backups, "error": error}
                                    for ref, backups, error in listed]})
    else:
        print(context.info.label)
        for note in notes:
            print(f"team {note.team}: {note.message}" if note.team else f"token: {note.message}")
        for ref, backups, error in listed:
            print(describe_deployment(ref))
            if error:
                print(f"  (backups could not be listed: {error})")
            elif not backups:
                print("  (no backups)")
            for record in backups:
                print(backup_line(record))
    # Nothing at all could be listed: that is a failure, with every reason said above.
    return FAILED if not deployments and any(n.error for n in notes) else OK
