"""`convex-backups import FILE --confirm NAME --yes [--safety fresh|recent|local|none]`: replace every
table of a deployment with a snapshot ZIP from disk (checked locally first), showing the change summary,
then following the import to the end."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from tui.commands import NOT_FOUND, REFUSED, Context, add_common, command_parser, run_command
from tui.commands.replace_data import (
    add_safety_option,
    check_convex_refusals,
    check_target,
    confirm_and_follow,
    report,
    safety_backup,
    safety_mode,
)

NAME = "import"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = command_parser(
        subparsers,
        NAME,
        "import a snapshot ZIP from disk into a deployment (replaces its tables)",
        "Import FILE (a snapshot ZIP: this app's download, or `npx convex export`'s) into the deployment, "
        "replacing all of its tables (tables not in the file are emptied; environment variables, code and "
        "schedules are not touched). The file is checked locally first and a damaged one is refused before "
        "anything is uploaded. Refused unless --yes is given and --confirm names the deployment exactly. An "
        "import or backup running on the deployment is refused before anything happens; then a safety copy "
        "of the deployment is taken (--safety, default: a fresh backup now).",
    )
    parser.add_argument("file", metavar="FILE", type=Path)
    parser.add_argument("--confirm", metavar="NAME", help="the target deployment's exact name")
    parser.add_argument("--yes", action="store_true", help="really import (required)")
    add_safety_option(parser, "import")
    add_common(parser)


def run(args: argparse.Namespace) -> int:
    if not args.yes or not args.confirm:
        print(
            "convex-backups import: refused: an import replaces the deployment's tables; add --yes and "
            "--confirm <deployment name> to go ahead (--safety none too needs --yes).",
            file=sys.stderr,
        )
        return REFUSED
    if not args.file.is_file():
        print(f"convex-backups import: {args.file}: no such file", file=sys.stderr)
        return NOT_FOUND
    return run_command(args, _import)


def holds_files(path: Path) -> bool:
    """Whether the ZIP carries `_storage` (a file that cannot be listed counts as holding files)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            return any(name.startswith("_storage/") or "/_storage/" in name for name in archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return True


async def _import(context: Context) -> int:
    from tui.services.restore.file_import import check_before_upload

    args, target = context.args, context.target
    safety_mode(args)
    deployment = await context.deployment()
    check_target(context, deployment, "import into")
    context.note(f"Checking {args.file.name}...")
    await asyncio.to_thread(check_before_upload, args.file, full=False)  # fast; the full check comes next
    await check_convex_refusals(context, deployment)  # before any safety backup is spent
    safety_id = await safety_backup(context, deployment, source_has_storage=holds_files(args.file))
    plan = await target.prepare_file_import(args.file, deployment, on_progress=context.progress)
    from tui.services.restore.review import not_compared_lines

    result = await confirm_and_follow(
        context, plan, "Import", "import", not_compared_lines(deployment.name, "a ZIP file is imported")
    )
    return report(context, plan, result, safety_id, f"Imported {args.file.name} into {deployment.name}", "import")
