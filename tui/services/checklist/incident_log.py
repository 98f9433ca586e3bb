"""The incident log: a checklist as Markdown — what was done, by whom, when, backup ids and outcomes —
written to `<data>/incidents/<checklist id>.md` (mode 0600) where the operator can find it. Names of
environment variables may appear; values never do (the checklist holds none)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from tui.services.checklist.state import STEP_TITLES, Checklist
from tui.services.checklist.operations import counts_table


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC" if moment else "—"


def render(checklist: Checklist) -> str:
    lines = [
        f"# Incident log: emergency restore of {checklist.deployment}",
        "",
        f"- Deployment: `{checklist.deployment}`{' (PRODUCTION)' if checklist.is_prod else ''}",
        f"- Target: {checklist.target_label or '—'}",
        f"- Opened by: {checklist.who} at {_when(checklist.created)}",
        f"- Closed: {_when(checklist.closed)}",
        f"- Checklist id: `{checklist.id}`",
        f"- Safety backup: {checklist.safety_backup_id or 'none'}",
        f"- Restored from backup: {_restores_line(checklist)}",
        f"- Paused: {_pause_line(checklist)}",
        "",
        "## Steps",
        "",
        "| # | Step | Status | Who | Started | Finished |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for number, (title, state) in enumerate(zip(STEP_TITLES, checklist.steps)):
        lines.append(
            f"| {number} | {title} | {state.status} | {state.who or '—'} | {_when(state.started)} | "
            f"{_when(state.finished)} |"
        )
    lines.append("")
    for number, (title, state) in enumerate(zip(STEP_TITLES, checklist.steps)):
        lines += [f"### Step {number}: {title}", "", f"Status: **{state.status}**"]
        if state.reason:
            lines.append(f"Reason for skipping: {state.reason}")
        if state.outcome:
            lines.append(f"Outcome: {state.outcome}")
        data = state.data
        before, after = data.get("counts_before"), data.get("counts_after")
        if (before or after) and not data.get("nothing_restored"):
            lines += ["", "| Table | Before | After |", "| --- | --- | --- |"]
            for table, was, now in counts_table(before, after):
                lines.append(f"| {table} | {was} | {now} |")
        for kind in ("added", "removed", "changed"):
            if data.get(kind):
                lines.append(f"Env vars {kind}: {', '.join(f'`{n}`' for n in data[kind])}")
        for key in ("backup_id", "import_id", "canceled_imports", "ref", "command", "exit_status"):
            if data.get(key) is not None:
                lines.append(f"{key.replace('_', ' ').capitalize()}: `{data[key]}`")
        for entry in data.get("edits", []) or []:
            lines.append(f"- {entry}")
        if state.history:
            lines.append("Earlier attempts: " + "; ".join(state.history))
        lines.append("")
    if checklist.pause_events:
        lines += ["## Pausing", "", "| When | Who | What | Note |", "| --- | --- | --- | --- |"]
        for event in checklist.pause_events:
            lines.append(
                f"| {_when(_parse(event.get('at')))} | {event.get('who') or '—'} | {event['action']} | "
                f"{event.get('note') or ''} |"
            )
        lines.append("")
    return "\n".join(lines)


def _restores_line(checklist: Checklist) -> str:
    """Every restore that completed in this checklist (step 2 may have been redone since), else what the
    last attempt did; never "none" after a completed restore."""
    done = []
    for restore in checklist.completed_restores:
        rows = restore.get("rows_written")
        done.append(
            f"{restore.get('backup_id')} (import {restore.get('import_id')}, completed "
            f"{_when(_parse(restore.get('at')))}" + (f", {rows:,} documents written)" if rows else ")")
        )
    if done:
        return "; ".join(done)
    state = checklist.steps[2]
    if state.status in ("running", "failed") and checklist.restore_backup_id:
        return f"none completed (backup {checklist.restore_backup_id} was tried: {state.outcome or state.status})"
    return "none"


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _pause_line(checklist: Checklist) -> str:
    if not checklist.pause_events:
        return "no (not paused by this checklist)"
    return "still paused" if checklist.paused else f"no (last: {checklist.pause_state})"


def write(checklist: Checklist, folder: Path) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{checklist.id}.md"
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(render(checklist))
    os.replace(temporary, path)
    return path


def incidents_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "incidents"


def summary_lines(checklist: Checklist) -> list[str]:
    out = [f"{checklist.deployment}: opened by {checklist.who} at {_when(checklist.created)}"]
    for number, (title, state) in enumerate(zip(STEP_TITLES, checklist.steps)):
        out.append(f"{number} {title}: {state.status}" + (f" — {state.outcome}" if state.outcome else ""))
    if checklist.pause_events:
        out.append(f"Paused: {_pause_line(checklist)}")
    return out
