"""Headless commands for scripts and cron. Each module here has `add_parser(subparsers)` and
`run(args) -> int`; `tui/cli.py` lists the modules in `COMMANDS` and dispatches. This package holds what
they share: the common options, exit codes, opening the target, choosing the deployment, printing JSON
and progress, and turning errors into a message and an exit code (never a traceback or a secret).

May import `tui.services`, `tui.api` (its errors and secrets), `tui.archive`, `tui.values` and `tui.launcher`
(which alone starts the sandbox); never textual (the commands run without a terminal UI) nor the emulator.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import re
import sys
import textwrap
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.api.errors import AuthError, ConvexApiError, CredentialsError, NotFound, PermissionDenied
from tui.api.secrets import scrub
from tui.services.errors import ConfigError, Refused
from tui.services.protocol import BackupTarget, DeploymentRef, Progress, TargetInfo

if TYPE_CHECKING:
    from tui.launcher import Session
    from tui.services.config.settings import Config, Homes

OK, FAILED, USAGE, REFUSED, AUTH, NOT_FOUND = 0, 1, 2, 3, 4, 5
INTERRUPTED = 130
EXIT_CODES = """exit codes:
  0  done
  1  the operation failed (or did not finish as hoped)
  2  usage or configuration error
  3  refused for safety (missing --yes/--confirm, the deployment is read_only), or refused before anything
     was done (what Convex would refuse: another team or region, a backup or restore already running;
     a --safety copy that cannot be had: the plan's backup limit, no recent backup)
  4  the credentials were rejected or lack the permission
  5  not found (deployment, backup, saved env set, profile's deployment)"""

log = logging.getLogger("tui.commands")


def add_common(parser: argparse.ArgumentParser, *, deployment: bool = True) -> None:
    if deployment:
        parser.add_argument(
            "--deployment", metavar="NAME", help="the deployment (default: the configured one, or the only one)"
        )
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser.add_argument(
        "--profile",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="a profile from config.toml (default: found from the environment)",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="log each request (method, path, status) and which route gave each deployment "
        "credential to stderr; never a secret",
    )


def command_parser(
    subparsers: argparse._SubParsersAction, name: str, help: str, description: str = ""
) -> argparse.ArgumentParser:
    return subparsers.add_parser(
        name,
        help=help,
        description=textwrap.fill(description or help, 100),
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


_BACKUP_ID = re.compile(r"[0-9][0-9A-Za-z-]{0,63}")


def backup_id(text: str) -> str:
    """argparse `type` of a BACKUP_ID argument: a Convex Cloud backup's number, one of this app's own backups
    (`20261207T110606Z-abb1`, or the start of one) or `latest`; anything else is a usage error (exit 2)."""
    if text == "latest" or _BACKUP_ID.fullmatch(text):
        return text
    raise argparse.ArgumentTypeError(
        f"{text[:40]!r} is not a backup id: give one that `convex-backups list` shows (a number for Convex Cloud, "
        "like 20261207T110606Z-abb1 for self-hosted backups, or `latest` for the newest self-hosted one)"
    )


class Failure(Exception):
    """A command's own refusal or failure: a message for stderr and an exit code."""

    def __init__(self, message: str, code: int = FAILED):
        super().__init__(message)
        self.code = code


@dataclass
class Context:
    args: argparse.Namespace
    target: BackupTarget
    info: TargetInfo
    default_deployment: str | None
    stderr_is_tty: bool
    homes: Homes | None = None  # the session's data folders (None in a bare Context)
    config: Config | None = None  # the session's config.toml

    def named_deployment(self) -> str | None:
        """The name `--deployment` or the configuration gives, not looked up; None when neither names one."""
        return getattr(self.args, "deployment", None) or self.default_deployment

    async def deployment(self, name: str | None = None) -> DeploymentRef:
        """`--deployment`, else the one the configuration names, else the only one there is."""
        chosen = name or self.named_deployment()
        if chosen:
            return await self.target.get_deployment(chosen)
        deployments = await self.target.list_deployments()
        if len(deployments) == 1:
            return deployments[0]
        names = ", ".join(d.name for d in deployments) or "none"
        raise Failure(f"Several deployments are reachable; choose one with --deployment NAME ({names}).", USAGE)

    def note(self, text: str) -> None:
        print(text, file=sys.stderr)

    def progress(self, progress: Progress) -> None:
        """One line, rewritten in place, when stderr is a terminal; nothing otherwise."""
        if not self.stderr_is_tty:
            return
        percent = f"{progress.fraction * 100:5.1f}% " if progress.fraction is not None else ""
        eta = f" (about {progress.eta:.0f} s left)" if progress.eta else ""
        line = f"{percent}{progress.message}{eta} [{progress.elapsed:.0f} s]"
        sys.stderr.write("\r\x1b[2K" + line[:200] + ("\n" if progress.finished else ""))
        sys.stderr.flush()


def plain(value: Any) -> Any:
    """Dataclasses, datetimes and tuples as JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def print_json(value: Any) -> None:
    print(json.dumps(plain(value), indent=2, sort_keys=True))


def exit_code_for(error: BaseException) -> int:
    if isinstance(error, Failure):
        return error.code
    if isinstance(error, Refused):
        return REFUSED
    if isinstance(error, (ConfigError, CredentialsError)):
        return USAGE
    if isinstance(error, (AuthError, PermissionDenied)):
        return AUTH
    if isinstance(error, NotFound):
        return NOT_FOUND
    return FAILED


def run_command(args: argparse.Namespace, body: Callable[[Context], Awaitable[int]]) -> int:
    """Open the target named by the options and the environment, run `body`, and map what goes wrong to an
    exit code with a one-line message on stderr."""
    from tui.launcher import session

    name = args.command
    if getattr(args, "debug", False):
        from tui.debug_log import debug_to_stderr

        debug_to_stderr()
    try:
        with session(getattr(args, "profile", None)) as chosen:
            for warning in chosen.warnings:
                print(f"convex-backups {name}: warning: {warning}", file=sys.stderr)
            return asyncio.run(_run(args, chosen, body))
    except KeyboardInterrupt:
        print(f"convex-backups {name}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except (Failure, ConvexApiError) as error:
        print(f"convex-backups {name}: {error}", file=sys.stderr)
        return exit_code_for(error)
    except OSError as error:
        print(f"convex-backups {name}: {scrub(str(error))}", file=sys.stderr)
        return FAILED
    except Exception as error:  # a bug: say what, without a traceback that could quote a value
        if os.environ.get("CONVEX_BACKUPS_DEBUG"):
            raise
        print(f"convex-backups {name}: unexpected {type(error).__name__}: {scrub(str(error))}", file=sys.stderr)
        return FAILED


async def _run(args: argparse.Namespace, chosen: Session, body: Callable[[Context], Awaitable[int]]) -> int:
    target = await chosen.open()
    try:
        info = await target.info()
        if info.notice and not getattr(args, "json", False):
            print(f"convex-backups: {info.notice}", file=sys.stderr)
        context = Context(
            args,
            target,
            info,
            chosen.spec.deployment,
            sys.stderr.isatty(),
            chosen.homes,
            chosen.config,
        )
        return await body(context)
    finally:
        await target.aclose()
