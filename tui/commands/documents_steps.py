"""What `restore ID --documents PLAN.json` and `reapply RESCUE.zip` share (tui/commands/README.md "Restore only what is
broken"): stage the documents import (`tui.services.restore.documents`), print exactly what will change, confirm
and follow it like any restore, then check the result with a second snapshot; and the rescue step a full
restore takes first."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from tui.commands import FAILED, OK, Context, Failure, print_json
from tui.commands.replace_data import confirm_and_follow
from tui.services.restore import documents as documents_restore
from tui.services.sizes import human_size

RACE_WARNING = documents_restore.RACE_WARNING


def add_pause_option(parser: Any) -> None:
    parser.add_argument(
        "--pause",
        action="store_true",
        help="(documents only) pause the deployment from just before the snapshot until the "
        "import is checked, so no write of the app can land in the tables between (then "
        "unpaused, unless it was paused already)",
    )


async def apply_documents(
    context: Context,
    deployment: Any,
    edits_from: documents_restore.EditsFrom,
    *,
    source: str,
    backup_id: str | None,
    safety_id: str | None,
    done: str,
) -> int:
    paused = _paused(context, deployment) if getattr(context.args, "pause", False) else contextlib.nullcontext()
    async with paused:
        with tempfile.TemporaryDirectory(prefix="convex-backups-documents-") as folder:
            context.note(f"Taking a snapshot of {deployment.name} as it is now, to work out the changes...")
            staged = await documents_restore.stage(
                context.target,
                deployment,
                Path(folder),
                edits_from,
                source=source,
                backup_id=backup_id,
                on_progress=context.progress,
            )
            if staged is None:
                context.note("Nothing to change: every chosen document is already as it should be.")
                if context.args.json:
                    print_json({"changed": False, "safety_backup": safety_id})
                return OK
            context.note(f"Documents to restore into {deployment.name} ({deployment.danger_label}):")
            for line in staged.review:
                context.note(line)
            context.note(RACE_WARNING)
            result = await confirm_and_follow(context, staged.plan, "Import", "documents restore")
            if not result.ok:
                raise Failure(
                    f"The documents restore into {deployment.name} {result.state}: "
                    f"{result.error or 'no reason given'}. Nothing was changed (an import is all or "
                    "nothing).",
                    FAILED,
                )
            check = await documents_restore.verify(
                context.target, deployment, staged, Path(folder), on_progress=context.progress
            )
            if context.args.json:
                print_json(
                    {
                        "changed": True,
                        "safety_backup": safety_id,
                        "verified": check.ok,
                        "as_planned": check.as_planned,
                        "not_as_planned": check.not_as_planned,
                        "other_changes": check.other_changes,
                        "tables": {
                            o.label: {"documents": o.documents, "put": o.put, "removed": o.dropped}
                            for o in staged.outcomes
                        },
                    }
                )
            else:
                for line in check.lines():
                    print(line)
                print(f"{done}." if check.ok else f"{done}, but the check found differences (above).")
            return OK if check.ok else FAILED


@contextlib.asynccontextmanager
async def _paused(context: Context, deployment: Any) -> AsyncIterator[None]:
    """`--pause`: the deployment paused meanwhile (unpaused after, unless it was paused already)."""
    from tui.services.deployment import pausing
    from tui.services.checklist.data import client_for

    client = await client_for(context.target, deployment)
    was_paused = (await pausing.read_state(client)).paused
    if not was_paused:
        context.note(f"Pausing {deployment.name} (--pause) until the documents are back and checked...")
        await pausing.pause(client)
    try:
        yield
    finally:
        if not was_paused:
            await pausing.unpause(client)
            context.note(f"Unpaused {deployment.name}.")


async def rescue_before_full_restore(
    context: Context, deployment: Any, source: Any, backup: Any
) -> tuple[Path | None, list[str]]:
    """Keep what the restore would revert or remove, beside the safety backup (None when skipped), and the
    review's lines on the documents: the rescue's diff per table, or why no comparison was made."""
    from tui.services.restore.review import compared_lines, not_compared_lines

    choice = getattr(context.args, "rescue", None)
    size = backup.size or 0
    if choice is False:
        context.note(
            "No rescue file (--no-rescue): documents changed or created since the backup are only in the safety backup."
        )
        return None, not_compared_lines(deployment.name, "--no-rescue")
    if choice is None and size > documents_restore.RESCUE_AUTO_LIMIT:
        context.note(
            f"No rescue file: the backup is {human_size(size)} and the rescue step would download it and "
            "diff it against a snapshot of now first (--rescue to do it anyway)."
        )
        return None, not_compared_lines(deployment.name, f"the backup is {human_size(size)}; --rescue compares")
    context.note("Saving the documents this restore would revert or remove (--no-rescue to skip)...")
    rescue = await documents_restore.save_rescue_in_temp(
        context.target, deployment, source, backup, on_progress=context.progress
    )
    path, counts = rescue.path, rescue.counts
    total = sum(counts.values())
    per_table = ", ".join(f"{table} {count:,}" for table, count in counts.items()) or "none"
    context.note(
        f"Rescue file: {path} ({total:,} documents: {per_table}). Put chosen ones back afterwards with: "
        f"convex-backups reapply {path} --deployment {deployment.name} [--table T] [--ids FILE]"
    )
    return path, compared_lines(rescue.diff, deployment.name)
