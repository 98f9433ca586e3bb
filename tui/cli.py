"""The `convex-backups` command: the TUI by default, `sandbox ...` for the local emulator."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tui import __version__


def _sandbox_parser(sub: argparse._SubParsersAction) -> None:
    sandbox = sub.add_parser("sandbox", help="the local Convex emulator")
    actions = sandbox.add_subparsers(dest="sandbox_command", required=True)

    serve = actions.add_parser("serve", help="serve the sandbox's deployments on 127.0.0.1 in the foreground")
    serve.add_argument("--data", type=Path, help="data folder (default: the platform data folder)")
    serve.add_argument("--port", type=int, help="first port (0: any free port; default: each deployment's own)")
    serve.add_argument(
        "--throttle", type=float, default=0.0, metavar="SECONDS",
        help="pause at every export/import state change and progress step, to watch them",
    )

    creds = actions.add_parser(
        "credentials", help="print CONVEX_SELF_HOSTED_URL and CONVEX_SELF_HOSTED_ADMIN_KEY in .env form"
    )
    creds.add_argument("deployment", nargs="?", help="deployment name (default: the only or first one)")
    creds.add_argument("--data", type=Path, help="data folder (default: the platform data folder)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="convex-backups", description="Backups and restores for Convex.")
    parser.add_argument("--version", action="version", version=f"convex-backups {__version__}")
    sub = parser.add_subparsers(dest="command")
    _sandbox_parser(sub)
    return parser


def _sandbox(args: argparse.Namespace) -> int:
    from tui.emulator.sandbox_folder import SandboxFolder, default_data_dir

    root = args.data or default_data_dir()
    if args.sandbox_command == "serve":
        from tui.emulator.sandbox_serve import serve

        return serve(root, port=args.port, step_delay=args.throttle)
    folder = SandboxFolder(root)
    names = folder.deployment_names()
    if not names:
        print(f"No sandbox deployments in {root}. Start one with: convex-backups sandbox serve", file=sys.stderr)
        return 2
    name = args.deployment or names[0]
    if name not in names:
        print(f"No deployment named {name!r} in {root}. Known: {', '.join(names)}", file=sys.stderr)
        return 2
    # The one place a key is printed: the operator asked for it, to give it to the official CLI.
    print(f"CONVEX_SELF_HOSTED_URL={folder.url(name)}")
    print(f"CONVEX_SELF_HOSTED_ADMIN_KEY={folder.keys(name).admin_key}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "sandbox":
        return _sandbox(args)
    from tui.launcher import run_app

    return run_app()
