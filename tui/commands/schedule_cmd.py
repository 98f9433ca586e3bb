"""`convex-backups schedule [show | daily HH:MM | weekly DAY HH:MM | off] [--include-storage]`: the
deployment's periodic backups (a Convex Pro feature). Times are local unless --utc; Convex stores UTC."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from tui.commands import OK, USAGE, Context, Failure, add_common, command_parser, print_json, run_command
from tui.services.schedules import times as schedule_time
from tui.services.protocol import Schedule
from tui.services.schedules.change import changed_schedule

NAME = "schedule"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = command_parser(
        subparsers,
        NAME,
        "show or set the periodic backup schedule",
        "show (default): the schedule in UTC and local time. daily HH:MM / weekly DAY HH:MM: back up every day "
        "or every week at that local time (UTC with --utc), converting the weekday and time together. off: no "
        "periodic backups. Periodic backups are a Convex Pro feature; other plans are refused with an "
        "explanation.",
    )
    parser.add_argument("words", nargs="*", metavar="show | daily HH:MM | weekly DAY HH:MM | off")
    parser.add_argument(
        "--include-storage",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="include file storage in each backup (--no-include-storage: leave it out; "
        "neither: as the current schedule has it)",
    )
    parser.add_argument("--utc", action="store_true", help="the time (and day) given are UTC, not local")
    parser.add_argument(
        "--retention-days",
        type=int,
        metavar="DAYS",
        help="keep each backup this many days (default: as the current schedule keeps them; "
        "7 daily, 14 weekly for a new schedule)",
    )
    add_common(parser)


def run(args: argparse.Namespace) -> int:
    try:
        args.request = parse_words(args.words, utc=args.utc)
    except ValueError as error:
        print(f"convex-backups schedule: {error}", file=sys.stderr)
        return USAGE
    return run_command(args, _schedule)


def parse_words(words: list[str], *, utc: bool = False) -> tuple[str, tuple[int | None, int, int] | None]:
    """("show"|"off"|"set", (utc weekday or None, utc hour, utc minute))."""
    action = words[0].lower() if words else "show"
    if action in ("show", "off") and len(words) <= 1:
        return action, None
    if action == "daily" and len(words) == 2:
        weekday, (hour, minute) = None, schedule_time.parse_time(words[1])
    elif action == "weekly" and len(words) == 3:
        weekday, (hour, minute) = schedule_time.parse_weekday(words[1]), schedule_time.parse_time(words[2])
    else:
        raise ValueError("use: schedule [show | daily HH:MM | weekly DAY HH:MM | off]")
    if not utc:
        weekday, hour, minute = schedule_time.local_to_utc(weekday, hour, minute)
    return "set", (weekday, hour, minute)


def describe(schedule: Schedule | None) -> list[str]:
    if schedule is None:
        return ["Periodic backups: off"]
    local = schedule_time.utc_to_local(schedule.weekday, schedule.utc_hour, schedule.utc_minute)
    lines = [
        f"Periodic backups: {schedule_time.describe(schedule.weekday, schedule.utc_hour, schedule.utc_minute)} UTC "
        f"({schedule_time.describe(*local)} local time)",
        f"  file storage: {'included' if schedule.include_storage else 'not included'}",
    ]
    if schedule.retention:
        lines.append(f"  each backup kept {schedule.retention.total_seconds() / 86400:g} days")
    if schedule.next_run:
        lines.append(f"  next run: {schedule.next_run:%Y-%m-%d %H:%M} UTC")
    return lines


async def _schedule(context: Context) -> int:
    args, target = context.args, context.target
    deployment = await context.deployment()
    action, when = args.request
    if action == "off":
        await target.disable_schedule(deployment)
        schedule = None
    elif action == "set":
        weekday, hour, minute = when
        if args.retention_days is not None and args.retention_days <= 0:
            raise Failure("--retention-days must be at least 1.", USAGE)
        # What was not asked stays as it is: read the current schedule first.
        wanted = changed_schedule(
            await target.get_schedule(deployment),
            weekday=weekday,
            utc_hour=hour,
            utc_minute=minute,
            include_storage=args.include_storage,
            retention=timedelta(days=args.retention_days) if args.retention_days else None,
        )
        schedule = await target.set_schedule(deployment, wanted)
    else:
        schedule = await target.get_schedule(deployment)
    if args.json:
        print_json({"deployment": deployment.name, "schedule": schedule})
    else:
        print(f"{deployment.name}:")
        for line in describe(schedule):
            print(line)
    return OK
