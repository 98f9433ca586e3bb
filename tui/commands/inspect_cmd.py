"""`convex-backups inspect FILE [--json]`: what is inside a snapshot ZIP (tables, document counts, files),
cheaply and without a deployment. Use `verify` to check it."""

from __future__ import annotations

import argparse
import sys

from tui.commands import FAILED, NOT_FOUND, OK, command_parser, print_json

NAME = "inspect"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = command_parser(
        subparsers,
        NAME,
        "show what a snapshot ZIP holds",
        "Summarize FILE: the deployment and time it was taken (from Convex's file name), each table with its "
        "number of documents and size, and the stored files. With --json, also the first documents of each "
        "table (see --samples). This is not a check: run `verify` for that.",
    )
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser.add_argument("--samples", type=int, default=3, metavar="N", help="documents shown per table in --json (3)")


def run(args: argparse.Namespace) -> int:
    from tui.archive.errors import ArchiveError
    from tui.services.snapshots.inspect import describe, inspect_file

    if args.samples < 0:
        print("convex-backups inspect: --samples must be 0 or more", file=sys.stderr)
        return 2
    try:
        summary = inspect_file(args.file, samples=args.samples if args.json else 0)
    except FileNotFoundError:
        print(f"convex-backups inspect: {args.file}: no such file", file=sys.stderr)
        return NOT_FOUND
    except ArchiveError as exc:
        print(f"convex-backups inspect: {args.file}: {exc}", file=sys.stderr)
        return FAILED
    except OSError as exc:
        print(f"convex-backups inspect: {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return FAILED
    if args.json:
        print_json(summary)
    else:
        print("\n".join(describe(summary)))
    return OK
