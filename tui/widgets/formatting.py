"""Words for values: humanised times, sizes, durations, progress bars as text, and errors as sentences.
`now` is passed in so snapshots can freeze the clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import humanize
from rich.text import Text

from tui.services.errors import ConvexApiError
from tui.services.protocol import BackupRecord, DeploymentRef, Progress
from tui.services.sizes import human_size

STATE_WORDS = {
    "requested": "requested",
    "inProgress": "running",
    "complete": "complete",
    "failed": "FAILED",
    "canceled": "canceled",
}


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def exact(moment: datetime | None) -> str:
    return "—" if moment is None else moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def exact_short(moment: datetime | None) -> str:
    """The exact UTC time without year and zone ('12-06 11:29'), for a narrow column headed "At (UTC)"."""
    return "—" if moment is None else moment.astimezone(timezone.utc).strftime("%m-%d %H:%M")


def age(moment: datetime | None, now: datetime) -> str:
    """How long ago, for a narrow column headed "Age": '4 min', '5 h 12 m', '2 d 22 h', 'just now'."""
    if moment is None:
        return "—"
    seconds = (now - moment).total_seconds()
    if seconds < 45:
        return "just now" if seconds >= 0 else "in " + span(-seconds)
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} m" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def ago(moment: datetime | None, now: datetime) -> str:
    """'3 hours ago', '5 hours from now' (humanize's words; `age` is the narrow column's); under 45 seconds
    either way 'just now', which does not tick while a screen is looked at."""
    if moment is None:
        return "—"
    if abs((now - moment).total_seconds()) < 45:
        return "just now"
    return humanize.naturaltime(now - moment)


def span(seconds: float | None) -> str:
    """3 s, 4 min, 2 h 5 min, 3 d 4 h."""
    if seconds is None:
        return "—"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min" if minutes >= 10 or not secs else f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def size(count: int | None) -> str:
    """Bytes as the Convex CLI writes them ("879.9 KiB"; `tui.services.sizes`)."""
    return "—" if count is None else human_size(count)


def size_short(count: int | None) -> str:
    """`size` for a narrow column: no decimal from 100 up ('880 KiB', '46.2 MiB')."""
    text = size(count)
    number, _, unit = text.partition(" ")
    if unit and unit != "bytes" and float(number) >= 100:
        return f"{float(number):.0f} {unit}"
    return text


def duration(backup: BackupRecord, now: datetime) -> str:
    if backup.completed is not None:
        return span((backup.completed - backup.requested).total_seconds())
    if backup.is_running:
        return span((now - backup.requested).total_seconds()) + "…"
    return "—"


def expires(backup: BackupRecord, now: datetime) -> Text:
    """'6 d 23 h', with a warning in words under a day."""
    if backup.expires is None:
        return Text("never")
    left = (backup.expires - now).total_seconds()
    if left <= 0:
        return Text("expired", style="bold")
    if left < timedelta(days=1).total_seconds():
        return Text(f"! {span(left)}", style="bold")
    return Text(span(left))


def state(backup: BackupRecord) -> Text:
    word = STATE_WORDS.get(backup.state, backup.state)
    if backup.state == "failed":
        return Text(f"✗ {word}", style="bold")
    if backup.is_running:
        return Text(f"… {word}", style="bold")
    if backup.state == "complete":
        return Text(f"✓ {word}")
    return Text(f"- {word}")


def deployment_words(ref: DeploymentRef) -> str:
    """PROD / dev / preview in words, for the tree and the headers."""
    if ref.is_prod:
        return "PROD"
    return {"selfHosted": "self-hosted"}.get(ref.type, ref.type)


def bar(fraction: float | None, width: int = 24) -> str:
    """A progress bar in text (no animation): '██████░░░░ 60%', or a fixed 'working' band when unknown."""
    if fraction is None:
        return "░" * 3 + "▒" * (width - 6) + "░" * 3 + " ?%"
    fraction = min(1.0, max(0.0, fraction))
    filled = int(round(fraction * width))
    return "█" * filled + "░" * (width - filled) + f" {fraction * 100:3.0f}%"


def progress_line(progress: Progress) -> str:
    """Counts, elapsed and time left, e.g. '1,200 / 4,000 · 12 s elapsed · about 30 s left'."""
    parts = []
    if progress.done is not None and progress.total:
        parts.append(f"{humanize.intcomma(progress.done)} / {humanize.intcomma(progress.total)}")
    elif progress.done is not None:
        parts.append(humanize.intcomma(progress.done))
    parts.append(f"{span(progress.elapsed)} elapsed")
    if progress.finished:
        parts.append("finished")
    elif progress.eta is not None:
        parts.append(f"about {span(progress.eta)} left")
    elif progress.fraction is None:
        parts.append("no estimate: Convex reports no total")
    return " · ".join(parts)


def time_left(progress: Progress) -> str:
    """The last part of `progress_line`, short: 'about 2 min 22 s left', 'finished' or 'no estimate yet'."""
    if progress.finished:
        return "finished"
    if progress.eta is not None:
        return f"about {span(progress.eta)} left"
    return "no estimate yet"


def error_text(error: BaseException) -> str:
    """A sentence for the operator. Service and API errors carry a scrubbed message that says what to do;
    anything else is named by its type only (its text might hold a secret)."""
    if isinstance(error, ConvexApiError):
        return error.message
    if isinstance(error, OSError):
        return f"{error.strerror or type(error).__name__} ({getattr(error, 'filename', '') or 'file system'})."
    if isinstance(error, ValueError):
        return str(error)
    return f"Unexpected {type(error).__name__}; the operation did not finish. Try again, or refresh (F5)."
