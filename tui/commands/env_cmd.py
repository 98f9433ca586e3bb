"""`convex-backups env [list | save | diff SAVED | restore SAVED --yes]`: the deployment's environment
variables, which backups leave out. Values are masked unless --show-values."""

from __future__ import annotations

import argparse
import sys

from tui.commands import OK, REFUSED, USAGE, Context, add_common, command_parser, print_json, run_command
from tui.services.protocol import EnvDiff, EnvSnapshot

NAME = "env"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = command_parser(
        subparsers,
        NAME,
        "list, save, diff and restore environment variables",
        "list (default): the live variables (values masked unless --show-values) and the saved sets. save: "
        "keep a copy of the live set (mode 0600 in the data folder; `backup` does this too). diff SAVED: "
        "what differs between a saved set (an id, a prefix of one, or `latest`) and the live one. restore "
        "SAVED --yes: make the live set equal to the saved one in one all-or-nothing update (variables that "
        "exist only live are deleted unless --keep-extra).",
    )
    parser.add_argument("words", nargs="*", metavar="list | save | diff SAVED | restore SAVED")
    parser.add_argument("--yes", action="store_true", help="really restore (required for restore)")
    parser.add_argument("--keep-extra", action="store_true", help="restore: keep variables the saved set lacks")
    parser.add_argument("--show-values", action="store_true", help="list: show the values unmasked")
    add_common(parser)


def run(args: argparse.Namespace) -> int:
    words = args.words or ["list"]
    action = words[0]
    if (
        (action in ("list", "save") and len(words) != 1)
        or (action in ("diff", "restore") and len(words) != 2)
        or (action not in ("list", "save", "diff", "restore"))
    ):
        print("convex-backups env: use: env [list | save | diff SAVED | restore SAVED --yes]", file=sys.stderr)
        return USAGE
    if action == "restore" and not args.yes:
        print(
            "convex-backups env: refused: restore replaces the deployment's environment variables; add --yes.",
            file=sys.stderr,
        )
        return REFUSED
    args.action, args.saved = action, (words[1] if len(words) > 1 else None)
    return run_command(args, _env)


def snapshot_json(snapshot: EnvSnapshot, reveal: bool) -> dict:
    values = dict(snapshot.values) if reveal else snapshot.masked()
    return {
        "id": snapshot.id,
        "deployment": snapshot.deployment,
        "taken": snapshot.taken.isoformat(),
        "reason": snapshot.reason,
        "values": values,
    }


def diff_lines(diff: EnvDiff) -> list[str]:
    if diff.is_empty:
        return [f"No differences from saved set {diff.saved_id}."]
    lines = [f"Compared with saved set {diff.saved_id}:"]
    lines += [f"  + {name}  (saved only: a restore creates it)" for name in diff.added]
    lines += [f"  ~ {name}  (different value)" for name in diff.changed]
    lines += [f"  - {name}  (live only: a restore deletes it)" for name in diff.removed]
    return lines


async def _env(context: Context) -> int:
    args, target = context.args, context.target
    deployment = await context.deployment()
    if args.action == "list":
        live = await target.env_live(deployment)
        saved = await target.env_saved(deployment)
        if args.json:
            print_json(
                {
                    "deployment": deployment.name,
                    "live": snapshot_json(live, args.show_values),
                    "saved": [{"id": s.id, "taken": s.taken, "reason": s.reason, "names": s.names} for s in saved],
                }
            )
            return OK
        shown = dict(live.values) if args.show_values else live.masked()
        print(f"{deployment.name}: {len(shown)} environment variables")
        for name, value in shown.items():
            print(f"  {name}={value}")
        print(f"Saved sets ({len(saved)}):" if saved else "No saved sets yet (convex-backups env save).")
        for snapshot in saved:
            print(
                f"  {snapshot.id}  {snapshot.taken:%Y-%m-%d %H:%M}Z  {len(snapshot.names)} variables  {snapshot.reason}"
            )
        return OK
    if args.action == "save":
        snapshot = await target.env_save(deployment)
        if args.json:
            print_json({"id": snapshot.id, "deployment": deployment.name, "names": snapshot.names})
        else:
            print(f"Saved {len(snapshot.names)} environment variables of {deployment.name} as {snapshot.id}.")
        return OK
    if args.action == "diff":
        diff = await target.env_diff(deployment, args.saved)
    else:
        diff = await target.env_restore(deployment, args.saved, keep_extra=args.keep_extra)
    if args.json:
        print_json({"deployment": deployment.name, "action": args.action, "diff": diff})
    else:
        lines = diff_lines(diff)
        if args.action == "restore":
            lines[0] = (
                "Nothing to restore: "
                if diff.is_empty
                else f"Restored {deployment.name} from saved set {diff.saved_id}:"
            ) + ("" if not diff.is_empty else lines[0])
        for line in lines:
            print(line)
    return OK
