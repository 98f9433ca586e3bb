"""`convex-backups restore BACKUP_ID [--from DEPLOYMENT] --confirm NAME --yes [--no-safety-backup]`:
restore a backup into the deployment (the same one, or another of the team)."""

from __future__ import annotations

import argparse
import sys

from tui.commands import FAILED, NOT_FOUND, REFUSED, Context, Failure, add_common, command_parser, run_command
from tui.commands import backup_id
from tui.commands.replace_data import check_target, confirm_and_follow, report, safety_backup

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
    parser.add_argument("backup_id", metavar="BACKUP_ID", type=backup_id)
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


async def _restore(context: Context) -> int:
    args, target = context.args, context.target
    deployment = await context.deployment()
    check_target(context, deployment, "restore into")
    source = await target.get_deployment(args.source) if args.source else deployment
    backup = await target.get_backup(source, args.backup_id)
    if args.source and backup.source_deployment != source.name:
        raise Failure(f"Backup {args.backup_id} belongs to {backup.source_deployment}, not {source.name}.", NOT_FOUND)
    if backup.state != "complete":
        raise Failure(f"Backup {backup.id} is {backup.state}; only complete backups can be restored.", FAILED)
    safety_id = await safety_backup(context, deployment)
    plan = await target.prepare_restore(backup.id, deployment, source=source)
    result = await confirm_and_follow(context, plan, "Restore", "restore")
    return report(context, plan, result, safety_id, f"Restored backup {backup.id} into {deployment.name}", "restore")
