"""`convex-backups reapply RESCUE.zip [--table T] [--ids FILE] --confirm NAME --yes [--safety MODE]`: put back
documents a full restore saved to its rescue file (tui/commands/README.md "Restore only what is broken"), with their own
ids and creation times, touching only their tables: "restore yesterday, then put back today's orders"."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tui.commands import NOT_FOUND, REFUSED, USAGE, Context, Failure, add_common, command_parser, run_command
from tui.commands.replace_data import add_safety_option, check_convex_refusals, check_target, safety_backup, safety_mode

NAME = "reapply"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = command_parser(
        subparsers,
        NAME,
        "put back documents a full restore saved to its rescue file",
        "Before a full restore, the documents it would revert or remove are saved to a rescue ZIP beside the "
        "safety backups. This puts chosen ones back (all of them, those of --table, or only the ids listed in "
        "--ids FILE, one a line) with their own _id and _creationTime, replacing the current version of a "
        "document with the same id. Only their tables are touched, through one import in replace mode of "
        "those tables as they are now with the documents put back; the result is checked by a second "
        "snapshot. Refused unless --yes is given and --confirm names the deployment exactly.",
    )
    parser.add_argument("file", metavar="RESCUE.zip", type=Path)
    parser.add_argument("--table", action="append", metavar="T", help="only this table (repeat for more)")
    parser.add_argument("--ids", metavar="FILE", type=Path, help="only these document ids (one a line)")
    parser.add_argument("--confirm", metavar="NAME", help="the target deployment's exact name")
    parser.add_argument("--yes", action="store_true", help="really write (required)")
    add_safety_option(parser, "reapply")
    from tui.commands.documents_steps import add_pause_option

    add_pause_option(parser)
    add_common(parser)


def run(args: argparse.Namespace) -> int:
    from tui.services.restore.documents import rescue_tables

    if not args.yes or not args.confirm:
        print(
            "convex-backups reapply: refused: this writes documents into the deployment; add --yes and "
            "--confirm <deployment name> to go ahead.",
            file=sys.stderr,
        )
        return REFUSED
    if not args.file.is_file():
        print(f"convex-backups reapply: {args.file}: no such file", file=sys.stderr)
        return NOT_FOUND
    args.id_list = None
    if args.ids is not None:
        try:
            args.id_list = {line.strip() for line in args.ids.read_text(encoding="utf-8").splitlines() if line.strip()}
        except (OSError, UnicodeDecodeError) as exc:
            print(f"convex-backups reapply: {args.ids}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
            return NOT_FOUND
    try:
        tables = rescue_tables(args.file)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same usage error
        print(
            f"convex-backups reapply: {args.file} is not a rescue file this app can read ({exc}); nothing was changed.",
            file=sys.stderr,
        )
        return USAGE
    missing = [t for t in args.table or () if t not in tables]
    if missing:
        print(
            f"convex-backups reapply: {args.file} has no table {', '.join(missing)}; it has "
            f"{', '.join(tables) or 'none'}.",
            file=sys.stderr,
        )
        return NOT_FOUND
    return run_command(args, _reapply)


async def _reapply(context: Context) -> int:
    from tui.commands.documents_steps import apply_documents
    from tui.services.restore.documents import edits_from_rescue

    args = context.args
    safety_mode(args)
    deployment = await context.deployment()
    check_target(context, deployment, "write into")
    await check_convex_refusals(context, deployment)  # an import or backup running is refused first
    safety_id = await safety_backup(context, deployment, source_has_storage=False)

    def edits_from(_now_zip: Path, _work: Path):
        return edits_from_rescue(args.file, args.table, args.id_list)

    try:
        return await apply_documents(
            context,
            deployment,
            edits_from,
            source=f"rescued documents of {args.file.name}",
            backup_id=None,
            safety_id=safety_id,
            done=f"Put back the rescued documents into {deployment.name}",
        )
    except KeyError as exc:
        raise Failure(str(exc.args[0]), NOT_FOUND) from None
