"""`convex-backups imports [--deployment NAME] [--json]`: the deployments' snapshot imports (restores
included), staged ones first, so an import left waiting for confirmation can be found and cancelled with
`convex-backups cancel-import ID`."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone

from tui.api.errors import ConvexApiError
from tui.commands import OK, Context, add_common, command_parser, print_json, run_command
from tui.services.restore.staged_imports import ImportRecord, age_text

NAME = "imports"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = command_parser(
        subparsers,
        NAME,
        "list snapshot imports and restores, staged ones first",
        "List each deployment's newest snapshot imports (restores from a backup are imports too): id, state, "
        "age, tables and who staged it (with --deployment: that deployment only). An import that is "
        "uploaded or waiting for confirmation blocks every later restore and import of its deployment until "
        "it is confirmed or cancelled; cancel one with `convex-backups cancel-import ID`.",
    )
    add_common(parser)


def run(args: argparse.Namespace) -> int:
    return run_command(args, _imports)


def import_line(record: ImportRecord, now: datetime) -> str:
    state = record.state.replace("_", " ")
    tables = ", ".join(record.tables[:6]) + (f" and {len(record.tables) - 6} more" if len(record.tables) > 6 else "")
    parts = [
        f"  {record.id}",
        f"{state:<24}",
        f"{age_text(record.age_seconds(now)):>7} old",
        f"tables: {tables or '(not read yet)'}",
        record.who,
    ]
    if record.error:
        parts.append(f"({record.error.splitlines()[-1]})")
    return "  ".join(parts)


async def _imports(context: Context) -> int:
    target = context.target
    if getattr(context.args, "deployment", None):
        deployments = [await context.deployment()]
    else:
        deployments = await target.list_deployments()
    now = datetime.now(timezone.utc)
    listed = []
    for ref in deployments:
        try:
            records = await target.list_imports(ref)
            error = None
        except ConvexApiError as exc:  # one deployment out of reach does not hide the others
            if len(deployments) == 1:
                raise
            records, error = [], str(exc)
        records.sort(key=lambda r: (not r.staged, not r.unfinished))  # stable: newest first within each group
        listed.append((ref, records, error))
    if context.args.json:
        print_json(
            {
                "deployments": [
                    {
                        "deployment": ref.name,
                        "error": error,
                        "imports": [
                            {**_plain(r), "staged": r.staged, "age_seconds": r.age_seconds(now), "who": r.who}
                            for r in records
                        ],
                    }
                    for ref, records, error in listed
                ]
            }
        )
        return OK
    for ref, records, error in listed:
        print(f"{ref.name}  ({ref.danger_label})")
        if error:
            print(f"  could not list the imports: {error}")
        elif not records:
            print("  (no imports)")
        for record in records:
            print(import_line(record, now))
        staged = [r for r in records if r.staged]
        if staged:
            print(
                f"  {len(staged)} staged import(s) block the next restore or import of {ref.name}; cancel with "
                f"convex-backups cancel-import ID --deployment {ref.name}"
            )
            if any(r.requestor == "cloudRestore" for r in staged):
                print(
                    "  Convex's dashboard confirms the newest staged cloud restore by itself as soon as anyone "
                    f"opens the Backups page of {ref.name}."
                )
    return OK


def _plain(record: ImportRecord) -> dict:
    from tui.commands import plain

    return plain(record)
