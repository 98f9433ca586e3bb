"""`convex-backups run-schedules [--json]`: for cron or a systemd timer. Runs every backup schedule of the
deployments this app backs up into its own store (self-hosted ones) that is due now, once, then exits.
Two runs never overlap (a lock file in the store); a slot missed while nothing ran is made up once.

Which deployments: the one the environment or --profile names, and, without --profile, every self-hosted
profile in config.toml. Convex Cloud runs its own periodic backups, so Cloud targets need nothing here."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tui.commands import FAILED, OK, USAGE, command_parser, print_json

if TYPE_CHECKING:
    from tui.services.protocol import BackupTarget
    from tui.services.self_hosted.schedules_runner import ScheduledTarget

NAME = "run-schedules"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = command_parser(
        subparsers,
        NAME,
        "run the backup schedules that are due (for cron / systemd timers)",
        "Take the scheduled backups of self-hosted deployments that are due now, once each, and exit: run it "
        "from cron or a systemd timer every few minutes (e.g. `*/10 * * * * convex-backups run-schedules`). "
        "A second run while one is going exits at once. Nothing is printed when nothing was due (unless --json "
        "or --verbose). Exit code 1 when a due backup failed (it is tried again at the next run, at most every "
        "15 minutes).",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable report on stdout")
    parser.add_argument("--verbose", action="store_true", help="also say what was not due")
    parser.add_argument("--profile", metavar="NAME", help="only this profile's deployment")


def run(args: argparse.Namespace) -> int:
    from tui.api.errors import ConvexApiError, CredentialsError
    from tui.services.errors import ConfigError

    try:
        return asyncio.run(_run(args))
    except (ConfigError, CredentialsError) as exc:
        print(f"convex-backups {NAME}: {exc}", file=sys.stderr)
        return USAGE
    except ConvexApiError as exc:
        print(f"convex-backups {NAME}: {exc}", file=sys.stderr)
        return FAILED
    except KeyboardInterrupt:
        print(f"convex-backups {NAME}: interrupted", file=sys.stderr)
        return 130


def _specs(args: argparse.Namespace, homes, environ) -> list:
    from tui.services.config.settings import load_config
    from tui.services.config.targets import from_profile, resolve_target

    config = load_config(homes)
    specs = []
    chosen = resolve_target(config, profile=args.profile, environ=environ, cwd=Path.cwd(), home=Path.home())
    if chosen.kind == "selfHosted":
        specs.append(chosen)
    if not args.profile:
        for profile in config.profiles.values():
            if profile.kind == "selfHosted":
                specs.append(from_profile(config, profile, environ, Path.home()))
    return specs


async def _run(args: argparse.Namespace) -> int:
    from tui.services.config.settings import Homes
    from tui.services.self_hosted.local_store import LocalStore
    from tui.services.config.open_target import open_target
    from tui.services.restore.staged_guard import StagedImportGuard
    from tui.services.self_hosted.schedules_runner import run_due
    from tui.services.self_hosted.target import SelfHostedTarget

    environ = dict(os.environ)
    homes = Homes.from_environ(environ)
    targets: list[ScheduledTarget] = []
    guarded: list[BackupTarget] = []  # what was opened, closed through the guard
    seen: set[str] = set()
    try:
        for spec in _specs(args, homes, environ):
            # Self-hosted profiles only (`_specs`): a `SelfHostedTarget` behind the staged-import guard, which
            # has cleaned up what an earlier run left staged; a backup stages nothing, so the runner takes the
            # target itself.
            opened = await open_target(spec, homes)
            target = opened.inner if isinstance(opened, StagedImportGuard) else opened
            if not isinstance(target, SelfHostedTarget) or target.client.url in seen:
                await opened.aclose()
                continue
            seen.add(target.client.url)
            guarded.append(opened)
            targets.append(target)
        report = await run_due(targets, LocalStore(homes.store_dir))
    finally:
        for opened in guarded:
            await opened.aclose()
    if args.json:
        print_json(
            {
                "locked": report.locked,
                "ran": report.ran,
                "failed": report.failed,
                "notDue": report.not_due,
                "deployments": len(targets),
            }
        )
    elif report.locked:
        print(f"convex-backups {NAME}: another run is in progress; nothing done.", file=sys.stderr)
    else:
        for item in report.ran:
            print(
                f"Backed up {item['deployment']} (slot {item['slot']}): backup {item['backup']}, "
                f"{item['size']:,} bytes."
            )
        for item in report.failed:
            print(f"convex-backups {NAME}: the backup of {item['deployment']} failed: {item['error']}", file=sys.stderr)
        if args.verbose:
            if not targets:
                print("No self-hosted deployment is configured: nothing to run.")
            for item in report.not_due:
                print(f"{item['deployment']}: nothing due; next at {item['next_run']}.")
    return OK if report.ok else FAILED
