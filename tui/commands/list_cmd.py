"""`convex-backups list [--deployment NAME] [--json] [--no-counts]`: deployments and their backups, each
backup with its per-table document counts and a DROP flag when a table lost more than `[trend]
drop_percent` of its documents since the backup before (tui/services/snapshots/stats.py)."""

from __future__ import annotations

import argparse

from tui.api.errors import AuthError, NotFound, PermissionDenied
from tui.commands import FAILED, OK, Context, add_common, command_parser, plain, print_json, run_command
from tui.services.snapshots.stats import StatsCache, Trend, learn_missing, trend
from tui.services.config.settings import trend_settings
from tui.services.protocol import BackupRecord, DeploymentRef

NAME = "list"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = command_parser(
        subparsers,
        NAME,
        "list deployments and their backups",
        "List the deployments the target reaches and each one's backups, newest first "
        "(with --deployment: that deployment only). Each complete backup carries its "
        'documents per table and a DROP flag ("DROP orders -40%") when a table lost more '
        "than [trend] drop_percent (default 20) of its documents since the backup before; "
        "counts are kept in the data folder, so a backup is counted once (a cloud backup "
        "by downloading it once, up to [trend] count_download_mb).",
    )
    parser.add_argument(
        "--no-counts",
        action="store_true",
        help="download nothing to count documents; show only the counts already known",
    )
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
    notes = target.listing_notes()
    settings = trend_settings(context.config)
    cache = StatsCache.for_homes_or_target(context.homes, target)
    trends = [await _trend(context, cache, ref, backups, settings) for ref, backups, _ in listed]
    if context.args.json:
        print_json(
            {
                "target": context.info,
                "notes": notes,
                "drop_percent": settings.drop_percent,
                "deployments": [
                    {"deployment": ref, "backups": [_backup_json(b, found) for b in backups], "error": error}
                    for (ref, backups, error), found in zip(listed, trends)
                ],
            }
        )
    else:
        print(context.info.label)
        for note in notes:
            print(f"team {note.team}: {note.message}" if note.team else f"token: {note.message}")
        for (ref, backups, error), found in zip(listed, trends):
            print(describe_deployment(ref))
            if error:
                print(f"  (backups could not be listed: {error})")
            elif not backups:
                print("  (no backups)")
            for record in backups:
                flag = found.flag(record.id)
                print(backup_line(record) + (f"  {flag}" if flag else ""))
    # Nothing at all could be listed: that is a failure, with every reason said above.
    return FAILED if not deployments and any(n.error for n in notes) else OK


async def _trend(
    context: Context, cache: StatsCache | None, ref: DeploymentRef, backups: list[BackupRecord], settings
) -> Trend:
    if cache is None:
        return Trend()
    if context.args.no_counts:
        known = cache.load(ref)
    else:
        known = await learn_missing(
            context.target, ref, backups, cache, limit_bytes=settings.count_download_bytes, note=context.note
        )
    return trend(backups, known, settings.drop_share)


def _backup_json(record: BackupRecord, found: Trend) -> dict:
    """The record, plus `tables` (documents per table, null when not known), `documents` and the drops."""
    stats = next((p for p in found.points if p.backup_id == record.id), None)
    drops = found.drops.get(record.id, ())
    return {
        **plain(record),
        "tables": dict(stats.tables) if stats else None,
        "documents": stats.documents if stats else None,
        "drops": [{"table": d.table, "before": d.before, "after": d.after, "share": round(d.share, 4)} for d in drops],
        "flag": found.flag(record.id) or None,
    }
