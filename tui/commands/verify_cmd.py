"""`convex-backups verify FILE [--quick] [--json]`: is this snapshot ZIP sound? Works on any ZIP on disk
(this app's downloads, `npx convex export` files, hand-made ones) and needs no deployment."""

from __future__ import annotations

import argparse
import sys

from tui.commands import FAILED, NOT_FOUND, OK, command_parser, print_json

NAME = "verify"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = command_parser(
        subparsers,
        NAME,
        "check a snapshot ZIP on disk",
        "Check FILE as strictly as a Convex import would, and more: every entry's CRC-32 and size, every document "
        "decoded, ids valid, unique and in their table's number, every stored file against its sha256 and size. "
        "With --quick, only the integrity check a download passes (CRCs, sizes, file sha256), without decoding "
        "documents. When FILE.sha256 exists (this app writes one beside every download), the file must match it. "
        "Exit code 0 when the file is sound, 1 when it is not.",
    )
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--quick", action="store_true", help="CRCs, sizes and file hashes only (much faster)")
    parser.add_argument("--no-sidecar", action="store_true", help="ignore FILE.sha256")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")


def _progress_line(message: str) -> None:
    sys.stderr.write("\r\x1b[2K" + message[:150])
    sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    from tui.services.snapshots.verify import verify_file

    progress = _progress_line if sys.stderr.isatty() else None
    try:
        outcome = verify_file(args.file, full=not args.quick, check_sidecar=not args.no_sidecar, progress=progress)
    except FileNotFoundError:
        print(f"convex-backups verify: {args.file}: no such file", file=sys.stderr)
        return NOT_FOUND
    except OSError as exc:
        print(f"convex-backups verify: {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return FAILED
    finally:
        if progress is not None:
            sys.stderr.write("\r\x1b[2K")
    if args.json:
        print_json(outcome.to_dict())
    else:
        print(outcome.summary())
        if outcome.ok:
            for table in outcome.tables:
                print(f"  {table.table:<40} {table.documents:>12,} documents")
        elif outcome.error and outcome.error.get("hint") and outcome.error["hint"] not in outcome.error["message"]:
            print(f"  {outcome.error['hint']}")
        for note in outcome.notes:
            print(f"  note: {note}")
    return OK if outcome.ok else FAILED
