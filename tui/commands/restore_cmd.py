"""`convex-backups restore BACKUP_ID [--from DEPLOYMENT] [--tables A,B] --confirm NAME --yes [--safety MODE]`:
restore a backup into the deployment (its own, or another deployment's of the team, named with --from);
with --tables only those tables, leaving every other table as it is."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from tui.commands import FAILED, NOT_FOUND, REFUSED, USAGE, Context, Failure, add_common, command_parser, run_command
from tui.commands import backup_id
from tui.commands.replace_data import (
    add_safety_option,
    check_convex_refusals,
    check_target,
    confirm_and_follow,
    report,
    safety_backup,
    safety_mode,
)
from tui.services.snapshots.stats import StatsCache, record_plan
from tui.services.restore.review import not_compared_lines
from tui.services.restore.tables import TablesRestore, UnknownTables, parse_tables, tables_words

NAME = "restore"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = command_parser(
        subparsers,
        NAME,
        "restore a backup into a deployment (replaces its tables)",
        "Restore backup BACKUP_ID into the deployment (--deployment, default the configured one). Every table "
        "in the deployment is replaced by the backup's (with --tables, only those tables). Refused unless --yes "
        "is given and --confirm names the target deployment exactly. A backup of another deployment is "
        "restored only when --from names that deployment. What Convex would refuse (another team or region, a dedicated target, a backup or restore "
        "running on the target) is refused before anything happens. Then a safety copy of the target is taken "
        "(--safety, default: a fresh backup now), the restore is staged, the change summary printed, and it "
        "is confirmed and followed to the end. Environment variables, code and schedules are not changed.",
    )
    parser.add_argument("backup_id", metavar="BACKUP_ID", type=backup_id)
    parser.add_argument(
        "--from",
        dest="source",
        metavar="DEPLOYMENT",
        help="the deployment the backup belongs to (default: the target; a backup of another "
        "deployment is refused without it)",
    )
    parser.add_argument("--confirm", metavar="NAME", help="the target deployment's exact name")
    parser.add_argument("--yes", action="store_true", help="really restore (required)")
    parser.add_argument(
        "--tables",
        metavar="A,B",
        type=parse_tables_argument,
        help="restore only these tables (comma-separated; `_storage` for file storage) and leave "
        "every other table as it is: the backup is downloaded and verified, and a ZIP of "
        "those tables is imported in replace mode (npx convex import --replace); a name "
        "the backup lacks is refused, listing the tables it has",
    )
    add_safety_option(parser, "restore")
    parser.add_argument(
        "--documents",
        metavar="PLAN.json",
        type=Path,
        help="restore only the documents of a plan (diff BACKUP --plan-out PLAN.json writes one): "
        "revert changed ones, re-create deleted ones with their own ids, remove ones created "
        'since; only the tables it names are touched (tui/commands/README.md, "Restore only '
        'what is broken")',
    )
    parser.add_argument(
        "--rescue",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="before a full restore, save the documents it would revert or remove to a rescue "
        "ZIP beside the safety backups (default: yes, unless the backup is over 1 GB); "
        "`reapply` puts chosen ones back",
    )
    from tui.commands.documents_steps import add_pause_option

    add_pause_option(parser)
    add_common(parser)


def run(args: argparse.Namespace) -> int:
    if not args.yes:
        print(
            "convex-backups restore: refused: a restore replaces the target's tables; add --yes and "
            "--confirm <target deployment name> to go ahead (--safety none too needs --yes).",
            file=sys.stderr,
        )
        return REFUSED
    if args.documents is not None:
        from tui.services.restore.documents_plan import PlanError, parse_plan

        try:
            args.documents_plan = parse_plan(args.documents.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or exc
            print(f"convex-backups restore: {args.documents}: {reason}", file=sys.stderr)
            return NOT_FOUND
        except PlanError as exc:
            print(f"convex-backups restore: {args.documents}: {exc}; nothing was changed.", file=sys.stderr)
            return USAGE
        plan = args.documents_plan
        made_for = ((plan.backup, args.backup_id, "backup"), (plan.deployment, args.confirm, "deployment"))
        for said, given, what in made_for:
            if said and given and given != "latest" and said != given:
                print(
                    f"convex-backups restore: refused: {args.documents} was made for {what} {said}, not {given}; "
                    "nothing was changed. Make a plan for this one with: convex-backups diff BACKUP --plan-out "
                    "PLAN.json",
                    file=sys.stderr,
                )
                return REFUSED
    return run_command(args, _restore)


async def _restore_documents(context: Context, deployment, source, backup, safety_id: str | None) -> int:
    """--documents: the plan against a diff of the backup and a snapshot of now (`tui.services.restore.documents_plan`)."""
    from tui.commands.documents_steps import apply_documents
    from tui.services.restore.documents_plan import PlanError
    from tui.services.restore.documents import edits_for_plan
    from tui.services.snapshots.compare import backup_zip

    with tempfile.TemporaryDirectory(prefix="convex-backups-plan-") as folder:
        old = await backup_zip(context.target, source, backup.id, Path(folder), on_progress=context.progress)
        try:
            return await apply_documents(
                context,
                deployment,
                edits_for_plan(context.args.documents_plan, old),
                source=f"documents of backup {backup.id} of {source.name}",
                backup_id=backup.id,
                safety_id=safety_id,
                done=f"Restored the plan's documents of backup {backup.id} into {deployment.name}",
            )
        except PlanError as exc:
            raise Failure(f"{context.args.documents}: {exc}; nothing was changed.", USAGE) from None


async def _restore(context: Context) -> int:
    args, target = context.args, context.target
    safety_mode(args)  # a contradiction of the safety flags is a usage error before anything is asked
    deployment = await context.deployment()
    check_target(context, deployment, "restore into")
    source = await target.get_deployment(args.source) if args.source else deployment
    backup = await target.get_backup(source, args.backup_id)
    if backup.source_deployment != source.name:
        if args.source:
            raise Failure(
                f"Backup {args.backup_id} belongs to {backup.source_deployment}, not {source.name}.", NOT_FOUND
            )
        raise Failure(
            f"refused: backup {backup.id} belongs to {backup.source_deployment}, not to {deployment.name}; "
            "nothing was changed. To restore another deployment's backup into this one, say so with "
            f"--from {backup.source_deployment}.",
            REFUSED,
        )
    if backup.state != "complete":
        raise Failure(f"Backup {backup.id} is {backup.state}; only complete backups can be restored.", FAILED)
    if args.documents is not None:  # an import of a ZIP: what refuses an import, not a cloud restore's refusals
        await check_convex_refusals(context, deployment)
        return await _restore_documents(
            context, deployment, source, backup, await safety_backup(context, deployment, source_has_storage=False)
        )
    await check_convex_refusals(context, deployment, backup)  # before any safety backup is spent
    if args.tables:
        return await _restore_tables(context, deployment, source, backup)
    safety_id = await safety_backup(context, deployment, source_has_storage=backup.include_storage)
    from tui.commands.documents_steps import rescue_before_full_restore

    _rescue, documents = await rescue_before_full_restore(context, deployment, source, backup)
    plan = await target.prepare_restore(backup.id, deployment, source=source)
    record_plan(_stats(context), source, backup, plan)  # the review's counts are the backup's: kept for the trend
    result = await confirm_and_follow(context, plan, "Restore", "restore", documents)
    return report(context, plan, result, safety_id, f"Restored backup {backup.id} into {deployment.name}", "restore")


def parse_tables_argument(text: str) -> list[str]:
    tables = parse_tables(text)
    if not tables:
        raise argparse.ArgumentTypeError("name at least one table, e.g. --tables messages,users")
    return tables


async def _restore_tables(context: Context, deployment, source, backup) -> int:
    """Only the tables of --tables: every check of a full restore, with the names checked against the
    backup before the safety backup is taken (`tui.services.restore.tables`)."""
    restore = TablesRestore(context.target, source, backup, stats=_stats(context))
    try:
        context.note(f"Downloading backup {backup.id} to read its tables (verified; deleted afterwards)...")
        await restore.fetch(context.progress)
        try:
            chosen = restore.check(context.args.tables)
        except UnknownTables as exc:
            raise Failure(f"refused: {exc} Nothing was changed.", REFUSED) from None
        safety_id = await safety_backup(context, deployment, source_has_storage="_storage" in chosen)
        plan = await restore.stage(deployment, chosen, on_progress=context.progress)
    finally:
        restore.close()
    untouched = [name for name in restore.tables if name not in chosen]
    context.note(
        f"Only {tables_words(chosen)} will be replaced; every other table of {deployment.name} is left as "
        "it is" + (f" (of the backup's tables: {tables_words(untouched)})." if untouched else ".")
    )
    result = await confirm_and_follow(
        context, plan, "Restore", "restore", not_compared_lines(deployment.name, "only chosen tables are restored")
    )
    return report(
        context,
        plan,
        result,
        safety_id,
        f"Restored tables {tables_words(chosen)} of backup {backup.id} into {deployment.name}",
        "restore",
    )


def _stats(context: Context) -> StatsCache | None:
    return StatsCache.for_homes_or_target(context.homes, context.target)
