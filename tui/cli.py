"""The `convex-backups` command: the TUI by default, the headless commands of `COMMANDS`, and `sandbox ...`
for the local emulator."""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path
from types import ModuleType

from tui import __version__


def _sandbox_parser(sub: argparse._SubParsersAction) -> None:
    sandbox = sub.add_parser("sandbox", help="the local Convex emulator")
    actions = sandbox.add_subparsers(dest="sandbox_command", required=True)

    serve = actions.add_parser("serve", help="serve the sandbox's deployments on 127.0.0.1 in the foreground")
    serve.add_argument("--data", type=Path, help="data folder (default: the platform data folder)")
    serve.add_argument("--port", type=int, help="first port (0: any free port; default: each deployment's own)")
    serve.add_argument(
        "--throttle",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="pause at every export/import state change and progress step, to watch them",
    )
    serve.add_argument(
        "--clock",
        default=None,
        metavar="real|manual[:EPOCH_SECONDS]",
        help="manual: time moves only with POST /api/_emulator/clock on the platform port (tests)",
    )
    serve.add_argument("--seed", choices=["demo"], help="create the demo teams, projects, data and backups")
    serve.add_argument("--traffic", action="store_true", help="keep writing to the demo deployments")
    serve.add_argument("--platform-port", type=int, help="port of the platform API (default: remembered, 3200)")

    creds = actions.add_parser(
        "credentials",
        help="print CONVEX_SELF_HOSTED_URL and CONVEX_SELF_HOSTED_ADMIN_KEY (or, with --platform, "
        "CONVEX_PROVISION_HOST and CONVEX_OVERRIDE_ACCESS_TOKEN) in .env form",
    )
    creds.add_argument("deployment", nargs="?", help="deployment name (default: the only or first one)")
    creds.add_argument("--data", type=Path, help="data folder (default: the platform data folder)")
    creds.add_argument("--platform", action="store_true", help="the platform API's URL and the operator's token")
    creds.add_argument("--team", metavar="SLUG", help="with --platform: that team's access token instead")


# The headless commands: each module has `add_parser(subparsers)` and `run(args) -> int`, and `NAME` (the
# subcommand; default: the module's name without `_cmd`, `_` as `-`).
COMMANDS = (
    "tui.commands.list_cmd",
    "tui.commands.backup_cmd",
    "tui.commands.restore_cmd",
    "tui.commands.schedule_cmd",
    "tui.commands.env_cmd",
    "tui.commands.download_cmd",
    "tui.commands.verify_cmd",
    "tui.commands.inspect_cmd",
    "tui.commands.import_cmd",
    "tui.commands.run_schedules_cmd",
    "tui.commands.imports_cmd",
    "tui.commands.cancel_import_cmd",
    "tui.commands.diff_cmd",
    "tui.commands.reapply_cmd",
)


# The emulator's own command: the sandbox process (started by every app and test that uses the sandbox) must
# not import the headless commands, and the network stack they import, before it serves.
SANDBOX = "sandbox"


def _command_modules(only: str | None = None) -> dict[str, ModuleType]:
    """The command modules by subcommand name; with `only`, just that command's (one command's run need
    not import every other command, and what they import, before it starts)."""
    import importlib

    modules = {}
    for path in COMMANDS:
        if only is not None and _default_name(path) != only:
            continue
        module = importlib.import_module(path)
        name = getattr(module, "NAME", None) or _default_name(path)
        modules[name] = module
    return modules


def _default_name(path: str) -> str:
    return path.rsplit(".", 1)[-1].removesuffix("_cmd").replace("_", "-")


def _top_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--version", action="version", version=f"convex-backups {__version__}")
    parser.add_argument("--profile", metavar="NAME", help="a profile from config.toml (default: from the environment)")
    parser.add_argument(
        "--emergency",
        nargs="?",
        const="",
        default=None,
        metavar="DEPLOYMENT",
        help="open the emergency-restore checklist (for DEPLOYMENT, default: production)",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="log requests and which route gave each deployment credential (the TUI: to "
        "<data>/debug.log; a command: to stderr); never a secret",
    )
    return parser


def tui_arguments(argv: list[str]) -> argparse.Namespace | None:
    """The options when `argv` asks for the TUI (no command, no help), read without importing the
    commands: building the full parser imports every command module, which the TUI's start need not wait
    for. None: a command or help, for the full parser."""
    if any(arg in ("-h", "--help") for arg in argv):
        return None
    light = _top_options(argparse.ArgumentParser(prog="convex-backups", add_help=False))
    light.add_argument("rest", nargs=argparse.REMAINDER)
    args, unknown = light.parse_known_args(argv)
    return None if args.rest or unknown else args


def named_command(argv: list[str]) -> str | None:
    """The headless command `argv` runs (by the name its module is found under), when it runs one and asks
    for no help; else None."""
    if any(arg in ("-h", "--help") for arg in argv):
        return None
    light = _top_options(argparse.ArgumentParser(prog="convex-backups", add_help=False))
    light.add_argument("rest", nargs=argparse.REMAINDER)
    args, unknown = light.parse_known_args(argv)
    if unknown or not args.rest:
        return None
    return args.rest[0] if args.rest[0] in {SANDBOX, *(_default_name(path) for path in COMMANDS)} else None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser; with `only` (a command's name), the parser of that command alone."""
    parser = _top_options(
        argparse.ArgumentParser(
            prog="convex-backups", description="Backups and restores for Convex. With no command: the TUI."
        )
    )
    sub = parser.add_subparsers(dest="command")
    for module in _command_modules(only).values():
        module.add_parser(sub)
    if only in (None, SANDBOX):
        _sandbox_parser(sub)
    return parser


def _sandbox(args: argparse.Namespace) -> int:
    from tui.emulator.sandbox.folder import SandboxFolder, default_data_dir

    root = args.data or default_data_dir()
    if args.sandbox_command == "serve":
        from tui.emulator.platform.clock_control import parse_spec
        from tui.emulator.sandbox.serve import serve

        try:
            parse_spec(args.clock)
        except ValueError as exc:
            print(f"convex-backups sandbox serve: {exc}", file=sys.stderr)
            return 2
        return serve(
            root,
            port=args.port,
            step_delay=args.throttle,
            clock=args.clock,
            seed=args.seed,
            traffic=args.traffic,
            platform_port=args.platform_port,
        )
    if args.platform or args.team:
        return _platform_credentials(root, args.team)
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


def _platform_credentials(root: Path, team: str | None) -> int:
    from tui.emulator.platform.credentials import platform_credentials

    try:
        lines = platform_credentials(root, team)
    except LookupError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    # Printed because the operator asked for it, to hand to the official CLI or another tool.
    for line in lines:
        print(line)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = tui_arguments(argv)
    if args is None:
        only = named_command(argv)
        args = build_parser(only).parse_args(argv)
        if args.command == SANDBOX:
            return _sandbox(args)
        commands = _command_modules(only)
        if args.command in commands:
            return commands[args.command].run(args)
    if args.debug:
        from tui.debug_log import debug_to_file
        from tui.services.config.settings import Homes

        print(f"convex-backups: debug log in {debug_to_file(Homes.from_environ().data_dir)}", file=sys.stderr)
    return _run_tui(args)


def run() -> int:
    """The `convex-backups` program (also `python -m tui`): `main`, then an exit that does not collect
    garbage. The interpreter's last collections on the way out visit every object of every module imported:
    0.1-0.25 s measured after a download command (0.01 s frozen), as much as its whole start-up. Frozen
    objects are skipped; cleanups (`atexit`, `finally`) still run."""
    code = main()
    gc.freeze()
    return code


def _run_tui(args: argparse.Namespace) -> int:
    """The TUI; a configuration refused before it opens (a malformed key, a URL with a password, a
    profile that does not exist) is one line and the commands' exit code, not a traceback."""
    from tui.api.errors import ConvexApiError
    from tui.launcher import run_app

    try:
        return run_app(args.profile, emergency=args.emergency)
    except ConvexApiError as error:
        from tui.commands import exit_code_for

        print(f"convex-backups: {error}", file=sys.stderr)
        return exit_code_for(error)
