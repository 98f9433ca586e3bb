"""`convex-backups diff BACKUP [--against now|BACKUP] [--table T] [--json]` and `convex-backups diff FILE FILE`:
what changed, table by table and document by document, between a backup and the deployment now, two
backups, or two snapshot ZIPs on disk (tui/commands/README.md "Comparing a backup with now")."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from tui.commands import (
    FAILED,
    NOT_FOUND,
    OK,
    USAGE,
    Context,
    add_common,
    backup_id,
    command_parser,
    run_command,
)

NAME = "diff"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = command_parser(
        subparsers,
        NAME,
        "what changed between a backup and now, or two backups or ZIP files",
        "Compare backup BACKUP of the deployment with the deployment as it is now (a fresh snapshot export, "
        "which uses no backup slot and is not kept) or, with --against, with another backup; or compare two "
        "snapshot ZIP files on disk (diff FILE FILE, no deployment needed). For every table: documents "
        "unchanged, changed (field by field, old -> new with their Convex types), created since and deleted "
        "since; stored files by id and sha256 as the table _storage. Memory stays flat at any size.",
    )
    parser.add_argument("first", metavar="BACKUP|FILE", help="a backup id, or the older ZIP file")
    parser.add_argument("second", metavar="FILE", nargs="?", help="the newer ZIP file (with FILE as the first)")
    parser.add_argument(
        "--against",
        metavar="now|BACKUP",
        default="now",
        help="compare the backup with the deployment now (default) or with another backup",
    )
    parser.add_argument("--table", action="append", metavar="T", help="only this table (repeat for more)")
    parser.add_argument(
        "--limit",
        type=int,
        default=20,
        metavar="N",
        help="documents listed per table in the text output (default 20; --json lists all)",
    )
    parser.add_argument(
        "--plan-out",
        metavar="PLAN.json",
        type=Path,
        help="also write a documents plan that brings every difference back to the backup's "
        "version (edit it, then: restore BACKUP --documents PLAN.json)",
    )
    add_common(parser)


def run(args: argparse.Namespace) -> int:
    if args.second is not None:
        return _files(args)
    if Path(args.first).suffix == ".zip" or Path(args.first).exists():
        print(
            "convex-backups diff: give two ZIP files (diff FILE FILE), or a backup id to compare with now",
            file=sys.stderr,
        )
        return USAGE
    try:
        backup_id(args.first)
        if args.against != "now":
            backup_id(args.against)
    except argparse.ArgumentTypeError as exc:
        print(f"convex-backups diff: {exc}", file=sys.stderr)
        return USAGE
    return run_command(args, _backup)


def _files(args: argparse.Namespace) -> int:
    from tui.archive.errors import ArchiveError
    from tui.archive.snapshot_diff import diff_snapshots

    for name in (args.first, args.second):
        if not Path(name).is_file():
            print(f"convex-backups diff: {name}: no such file", file=sys.stderr)
            return NOT_FOUND
    with tempfile.TemporaryDirectory(prefix="convex-backups-diff-") as folder:
        try:
            store = diff_snapshots(
                args.first,
                args.second,
                Path(folder) / "diff.sqlite",
                tables=args.table,
                progress=_progress_line if sys.stderr.isatty() else None,
            )
        except KeyError as exc:
            print(f"convex-backups diff: {exc.args[0]}", file=sys.stderr)
            return NOT_FOUND
        except ArchiveError as exc:
            print(f"convex-backups diff: {exc}", file=sys.stderr)
            return FAILED
        except OSError as exc:
            print(f"convex-backups diff: {exc.strerror or exc}", file=sys.stderr)
            return FAILED
        finally:
            if sys.stderr.isatty():
                sys.stderr.write("\r\x1b[2K")
        with store:
            _report(store, args.first, args.second, args)
            if args.plan_out is not None and not _write_plan(store, args, backup=None, deployment=None):
                return FAILED
    return OK


async def _backup(context: Context) -> int:
    from tui.archive.errors import ArchiveError
    from tui.commands import Failure
    from tui.services.snapshots.compare import NOW, compare_backup

    args = context.args
    deployment = await context.deployment()
    with tempfile.TemporaryDirectory(prefix="convex-backups-diff-") as folder:
        try:
            store = await compare_backup(
                context.target,
                deployment,
                args.first,
                Path(folder),
                against=args.against,
                tables=args.table,
                on_progress=context.progress,
            )
        except KeyError as exc:
            raise Failure(str(exc.args[0]), NOT_FOUND) from None
        except ArchiveError as exc:
            raise Failure(str(exc)) from None
        with store:
            newer = f"{deployment.name} now" if args.against == NOW else f"backup {args.against}"
            _report(store, f"backup {args.first}", newer, args)
            if args.plan_out is not None and not _write_plan(
                store, args, backup=args.first, deployment=deployment.name
            ):
                return FAILED
    return OK


def _write_plan(store, args: argparse.Namespace, *, backup: str | None, deployment: str | None) -> bool:
    """--plan-out: every difference brought back (tui/commands/README.md, "Restore only what is broken"); False if
    not written."""
    from tui.services.restore.documents_plan import plan_from_diff, plan_json

    plan = plan_from_diff(store, backup=backup, deployment=deployment)
    try:
        args.plan_out.write_text(plan_json(plan), encoding="utf-8")
    except OSError as exc:
        print(f"convex-backups diff: {args.plan_out}: {exc.strerror or exc}", file=sys.stderr)
        return False
    counts = {
        action: sum(len(getattr(c, action)) for c in plan.tables.values())
        for action in ("revert", "recreate", "remove")
    }
    print(
        f"Plan written to {args.plan_out}: revert {counts['revert']:,}, re-create {counts['recreate']:,}, remove "
        f"{counts['remove']:,} in {len(plan.tables)} table(s). Apply it with: convex-backups restore "
        f"{backup or 'BACKUP'} --documents {args.plan_out}",
        file=sys.stderr,
    )
    return True


def _progress_line(table: str, done: int, total: int) -> None:
    percent = f"{done * 100 / total:5.1f}% " if total else ""
    sys.stderr.write("\r\x1b[2K" + f"{percent}comparing {table}"[:150])
    sys.stderr.flush()


def _report(store, old: str, new: str, args: argparse.Namespace) -> None:
    if args.json:
        _write_json(store, old, new, sys.stdout)
    else:
        for line in describe(store, old, new, limit=max(args.limit, 0)):
            print(line)


def describe(store, old: str, new: str, *, limit: int = 20) -> list[str]:
    """The text report: a table of counts, then each differing table's first `limit` documents."""
    tables = store.tables()
    lines = [
        f"From {old} to {new}:",
        "",
        f"  {'table':<32} {'unchanged':>10} {'changed':>10} {'created':>10} {'deleted':>10}",
    ]
    for t in tables:
        lines.append(f"  {t.table:<32} {t.unchanged:>10,} {t.changed:>10,} {t.created:>10,} {t.deleted:>10,}")
    if not any(t.differs for t in tables):
        lines += ["", "No differences."]
    for t in tables:
        if not t.differs or limit == 0:
            continue
        lines += ["", f"{t.table}:"]
        for document in store.documents(t.table, limit=limit):
            lines.append(f"  {document.status:<8} {document.id}")
            if document.status == "changed":
                for change in document.fields():
                    lines.append(
                        f"    {change.path}: {_value(change.old, change.old_type)} -> "
                        f"{_value(change.new, change.new_type)}"
                    )
        more = t.changed + t.created + t.deleted - limit
        if more > 0:
            lines.append(f"  ... and {more:,} more (--limit N, or --json for all)")
    return lines


def _value(value, type_name: str | None) -> str:
    from tui.values.encoding import encode_export_value

    if type_name is None:
        return "(absent)"
    text = json.dumps(encode_export_value(value), ensure_ascii=False)
    return f"{text if len(text) <= 60 else text[:57] + '...'} ({type_name})"


def _write_json(store, old: str, new: str, out) -> None:
    """Written document by document, so the output of a huge diff never sits in memory whole."""
    from tui.values.encoding import encode_export_value

    out.write('{\n  "old": %s,\n  "new": %s,\n  "tables": [' % (json.dumps(old), json.dumps(new)))
    for index, t in enumerate(store.tables()):
        head = json.dumps(t.to_dict())[:-1]
        out.write(("," if index else "") + f'\n    {head}, "documents": [')
        for number, document in enumerate(store.iter_documents(t.table)):
            entry: dict = {"id": document.id, "status": document.status}
            if document.status == "changed":
                entry["fields"] = [change.to_dict() for change in document.fields()]
            elif document.status == "created":
                entry["new"] = encode_export_value(document.new())
            else:
                entry["old"] = encode_export_value(document.old())
            out.write(("," if number else "") + "\n      " + json.dumps(entry, sort_keys=True))
        out.write("\n    ]}")
    out.write("\n  ]\n}\n")
