"""`convex-backups download BACKUP_ID [--to DIR] [--full-verify]`: save a backup as a ZIP file, verified,
with a sha256 sidecar; a dropped connection resumes (or starts over where the server cannot resume, as
Convex's download cannot), and running it again continues an interrupted one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tui.commands import OK, Context, add_common, backup_id, command_parser, print_json, run_command
from tui.services.sizes import human_rate, human_size

NAME = "download"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = command_parser(
        subparsers,
        NAME,
        "download a backup as a ZIP file",
        "Download backup BACKUP_ID of the deployment into DIR (default: your Downloads folder) under Convex's file "
        "name, snapshot_<deployment>_<time>.zip. The file is written as NAME.part first; every entry's CRC and "
        "every stored file's sha256 are checked before it gets its name, and NAME.sha256 is written beside it "
        "(check it later with `sha256sum -c`). A dropped connection is resumed where it stopped when the server "
        "offers HTTP Range; Convex's own download does not, so there the download starts over and says so. An "
        "existing file is never overwritten. For self-hosted deployments the backup is copied out of this app's store.",
    )
    parser.add_argument("backup_id", metavar="BACKUP_ID", type=backup_id)
    parser.add_argument("--to", metavar="DIR", type=Path, help="the folder to save it in (default: ~/Downloads)")
    parser.add_argument(
        "--full-verify", action="store_true", help="also decode every document before keeping the file (slower)"
    )
    add_common(parser)


def run(args: argparse.Namespace) -> int:
    return run_command(args, _download)


def progress_printer(enabled: bool):
    """A download progress callback writing one line in place on stderr, or None."""
    if not enabled:
        return None

    def show(p) -> None:
        total = f" of {human_size(p.total)}" if p.total else ""
        percent = f"{p.fraction * 100:5.1f}% " if p.fraction is not None else ""
        rate = f" at {human_rate(p.rate)}" if p.rate else ""
        line = f"{percent}{human_size(p.done)}{total}{rate}" + (f" — {p.message}" if p.message else "")
        sys.stderr.write("\r\x1b[2K" + line[:150] + ("\n" if p.phase == "done" else ""))
        sys.stderr.flush()

    return show


async def _download(context: Context) -> int:
    args = context.args
    # A named deployment is not looked up before the download starts: the download asks for its credential.
    deployment = context.named_deployment() or await context.deployment()
    result = await context.target.download_backup(
        deployment,
        args.backup_id,
        folder=args.to,
        full_verify=args.full_verify,
        progress=progress_printer(context.stderr_is_tty),
    )
    if args.json:
        print_json(result.to_dict())
    else:
        if result.restarts:
            resumed = f", started over {result.restarts} time(s): the server cannot resume a download"
        else:
            resumed = f", resumed {result.resumes} time(s)" if result.resumes else ""
        print(f"Saved {result.path} ({result.size:,} bytes{resumed}); sha256 {result.sha256} in {result.sidecar.name}.")
    return OK
