"""`convex-backups cancel-import ID [--deployment NAME] [--yes]`: cancel a snapshot import (or a restore,
which is one) that is staged or running, as the dashboard's Cancel button does (`POST /api/cancel_import`).

A staged import (uploaded, waiting for confirmation) has changed nothing yet: cancelling it only unblocks the
deployment. A running one is all-or-nothing, so cancelling it leaves the deployment's data as it was before
the import; because someone is restoring, that needs --yes."""

from __future__ import annotations

import argparse
import sys

from tui.commands import (
    FAILED,
    NOT_FOUND,
    OK,
    REFUSED,
    USAGE,
    Context,
    Failure,
    add_common,
    command_parser,
    run_command,
)
from tui.services.protocol import DeploymentRef
from tui.services.restore.staged_imports import ImportRecord

NAME = "cancel-import"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = command_parser(
        subparsers,
        NAME,
        "cancel a staged or running snapshot import (convex-backups imports lists them)",
        "Cancel import ID (from `convex-backups imports`). A staged import (uploaded or waiting for "
        "confirmation) has changed nothing and only blocks the deployment's next restore or import; cancelling "
        "it changes no data. An import that is running needs --yes: cancelling it leaves the data as it was "
        "before the import. Without --deployment the import is looked for in every deployment.",
    )
    parser.add_argument("import_id", metavar="ID", help="the import's id")
    parser.add_argument("--yes", action="store_true", help="also cancel an import that is already running")
    add_common(parser)


def run(args: argparse.Namespace) -> int:
    if not args.import_id.strip() or any(c.isspace() for c in args.import_id):
        print(
            "convex-backups cancel-import: ID must be an import id such as those `convex-backups imports` lists.",
            file=sys.stderr,
        )
        return USAGE
    return run_command(args, _cancel)


async def _find(context: Context, import_id: str) -> tuple[DeploymentRef, ImportRecord | None]:
    target = context.target
    chosen = getattr(context.args, "deployment", None) or context.default_deployment
    if chosen:
        ref = await target.get_deployment(chosen)
        return ref, next((r for r in await target.list_imports(ref) if r.id == import_id), None)
    deployments = await target.list_deployments()
    for ref in deployments:
        try:
            records = await target.list_imports(ref)
        except Exception:  # noqa: BLE001 - a deployment out of reach cannot hold it as far as we can tell
            continue
        found = next((r for r in records if r.id == import_id), None)
        if found is not None:
            return ref, found
    if len(deployments) == 1:
        return deployments[0], None
    raise Failure(
        f"No deployment lists an import {import_id} among its newest imports; name the deployment "
        "with --deployment NAME (convex-backups imports lists them).",
        NOT_FOUND,
    )


async def _cancel(context: Context) -> int:
    import_id = context.args.import_id.strip()
    ref, record = await _find(context, import_id)
    if record is not None:
        if not record.unfinished:
            raise Failure(
                f"Import {import_id} on {ref.name} already {record.state}: there is nothing to cancel.", FAILED
            )
        if record.state == "in_progress" and not context.args.yes:
            raise Failure(
                f"refused: import {import_id} on {ref.name} is running ({record.who}). Cancelling it "
                "stops that restore and leaves the data as it was before it; add --yes to do so.",
                REFUSED,
            )
    await context.target.cancel_import(ref, import_id)
    was = record.state.replace("_", " ") if record is not None else "unfinished"
    print(
        f"Cancelled import {import_id} on {ref.name} (it was {was}). No data was changed; the deployment "
        "accepts restores and imports again."
    )
    return OK
