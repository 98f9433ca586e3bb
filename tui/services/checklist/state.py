"""The emergency-restore checklist's state: seven steps (0–6), each pending, running, done, failed,
skipped (with a reason) or rehearsed (gone through on the sandbox, which runs no code: step 3), with timestamps, who did it (the local user), and what came of it (backup ids,
the restore's import id, outcomes).

The state is one JSON file per checklist in `<data>/checklists/`, written atomically (temporary file,
fsync, rename) with mode 0600 after every change. A checklist opened and left before any step is a draft
that was never written (`ChecklistStore.draft`); its id and file name carry the deployment chosen at step 0
(`Checklist.bind`), not the one it was opened on. It may hold environment variable *names*, never their
values. `ChecklistStore.unfinished(deployment)` finds a checklist to resume; an operation that was running
on the server is recorded by its id before it is followed, so a resumed checklist follows it again
instead of starting a second one (see `tui.services.checklist.operations`).
"""

from __future__ import annotations

import getpass
import json
import re
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from tui.services.json_file import write_json_atomically

StepStatus = Literal["pending", "running", "done", "failed", "skipped", "rehearsed"]
STATUSES: tuple[str, ...] = ("pending", "running", "done", "failed", "skipped", "rehearsed")
FINISHED: tuple[str, ...] = ("done", "skipped", "rehearsed")  # a step the checklist has gone past
MIN_REASON = 8  # characters a typed skip reason needs (the restore flow's rule)

STEP_TITLES: tuple[str, ...] = (
    "Choose the deployment",
    "Safety backup",
    "Restore data",
    "Push known-good code",
    "Environment variables",
    "Manual fixes",
    "Close and write the incident log",
)
# Steps that change the deployment: offered only once step 1 is done or skipped with a reason.
DESTRUCTIVE_STEPS = (2, 3, 4, 5)


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def local_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (containers): still say something
        return "unknown"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


@dataclass
class StepState:
    status: StepStatus = "pending"
    started: datetime | None = None
    finished: datetime | None = None
    who: str | None = None
    reason: str | None = None  # why it was skipped
    outcome: str | None = None  # one line for the summary and the incident log
    data: dict[str, Any] = field(default_factory=dict)  # ids, counts, names (never secret values)
    history: list[str] = field(default_factory=list)  # earlier outcomes when a step was redone

    def to_json(self) -> dict[str, Any]:
        body = asdict(self)
        body["started"], body["finished"] = _iso(self.started), _iso(self.finished)
        return body

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> StepState:
        status = body.get("status", "pending")
        return cls(
            status=status if status in STATUSES else "pending",
            started=_time(body.get("started")),
            finished=_time(body.get("finished")),
            who=body.get("who"),
            reason=body.get("reason"),
            outcome=body.get("outcome"),
            data=dict(body.get("data") or {}),
            history=list(body.get("history") or []),
        )


@dataclass
class Checklist:
    """One emergency: a deployment in trouble and the seven steps taken to recover it."""

    id: str
    deployment: str
    target_label: str
    created: datetime
    who: str
    is_prod: bool = False
    steps: list[StepState] = field(default_factory=lambda: [StepState() for _ in STEP_TITLES])
    closed: datetime | None = None
    # Pausing is not a step of its own (offered at step 0, undone at step 6): its events, oldest first,
    # each {"action", "at", "who", "note"}. A request is recorded before it is sent (see running_operations).
    pause_events: list[dict[str, str]] = field(default_factory=list)
    # Every restore that completed in this checklist, oldest first, each {"backup_id", "import_id", "at",
    # "rows_written"}: step 2 may be redone after one, and the incident log must still name it.
    completed_restores: list[dict[str, Any]] = field(default_factory=list)
    path: Path | None = field(default=None, repr=False, compare=False)
    store: ChecklistStore | None = field(default=None, repr=False, compare=False)

    # -- reading ------------------------------------------------------------------------------------------
    def step(self, number: int) -> StepState:
        return self.steps[number]

    @property
    def finished(self) -> bool:
        return self.closed is not None

    @property
    def destructive_allowed(self) -> bool:
        """Nothing destructive before the safety backup is done or skipped with a reason."""
        first = self.steps[1]
        return first.status == "done" or (first.status == "skipped" and bool(first.reason))

    @property
    def safety_backup_id(self) -> str | None:
        return self.steps[1].data.get("backup_id")

    @property
    def restore_backup_id(self) -> str | None:
        return self.steps[2].data.get("backup_id")

    @property
    def restore_import_id(self) -> str | None:
        return self.steps[2].data.get("import_id")

    @property
    def pause_state(self) -> str | None:
        """The last pause event's action ("paused", "unpaused", "pause requested", ...), None if none."""
        return self.pause_events[-1]["action"] if self.pause_events else None

    @property
    def paused(self) -> bool:
        """Whether the deployment was last known paused (by this checklist, or found paused)."""
        return self.pause_state in ("paused", "found paused", "left paused at close", "unpause failed")

    def running_operations(self) -> list[tuple[int, str]]:
        """(step, server-side id) of operations that were running when the checklist was last saved; a pause
        or unpause that was sent but whose answer was never recorded shows as (0, "pause") / (6, "unpause")."""
        found = []
        if self.pause_state == "pause requested":
            found.append((0, "pause"))
        if self.steps[1].status == "running" and self.safety_backup_id:
            found.append((1, self.safety_backup_id))
        if self.steps[2].status == "running" and self.restore_import_id and self.steps[2].data.get("confirmed"):
            found.append((2, self.restore_import_id))
        if self.pause_state == "unpause requested":
            found.append((6, "unpause"))
        return found

    @property
    def deployment_chosen(self) -> bool:
        """Step 0 is done (or work was done, which binds the deployment): every other step works on the
        deployment chosen there."""
        return self.steps[0].status == "done" or self.did_work

    @property
    def did_work(self) -> bool:
        """Anything beyond choosing the deployment: a later step started, or a pause asked for."""
        return any(s.status != "pending" for s in self.steps[1:]) or bool(self.pause_events)

    def current_step(self) -> int:
        """The first step that is not done, skipped or rehearsed (6 when all are)."""
        for number, state in enumerate(self.steps):
            if state.status not in FINISHED:
                return number
        return len(self.steps) - 1

    # -- changing (each saves) ----------------------------------------------------------------------------
    def start(self, number: int, **data: Any) -> StepState:
        state = self.steps[number]
        if state.status in ("done", "failed", "skipped", "rehearsed") and state.outcome:
            state.history.append(f"{state.status}: {state.outcome}")
        if state.status != "running":
            state.data = {}
        state.status, state.started, state.finished = "running", now_utc(), None
        state.who, state.reason, state.outcome = local_user(), None, None
        state.data.update(data)
        self.save()
        return state

    def record(self, number: int, **data: Any) -> StepState:
        """Ids and facts learned while a step runs (a backup id the moment it is known)."""
        self.steps[number].data.update(data)
        self.save()
        return self.steps[number]

    def done(self, number: int, outcome: str, **data: Any) -> StepState:
        return self._end(number, "done", outcome, data)

    def fail(self, number: int, outcome: str, **data: Any) -> StepState:
        return self._end(number, "failed", outcome, data)

    def rehearsed(self, number: int, outcome: str, **data: Any) -> StepState:
        """Gone through up to what the sandbox cannot do (run code): never recorded as done."""
        return self._end(number, "rehearsed", outcome, data)

    def skip(self, number: int, reason: str) -> StepState:
        reason = " ".join(reason.split())
        if len(reason) < MIN_REASON:
            raise ValueError(f"Say why in at least {MIN_REASON} characters.")
        state = self.steps[number]
        if state.status == "running":
            raise ValueError("This step is running; wait for it to end first.")
        if state.outcome:
            state.history.append(f"{state.status}: {state.outcome}")
        state.status, state.reason, state.outcome = "skipped", reason, f"skipped: {reason}"
        state.started = state.started or now_utc()
        state.finished, state.who = now_utc(), local_user()
        self.save()
        return state

    def reset(self, number: int) -> StepState:
        """Redo: back to pending; what happened before stays in the step's history."""
        state = self.steps[number]
        if any(step == number for step, _ in self.running_operations()):
            raise ValueError("An operation of this step is still running on the server; follow it to its end.")
        if state.outcome:
            state.history.append(f"{state.status}: {state.outcome}")
        history = state.history
        self.steps[number] = StepState(history=history)
        self.save()
        return self.steps[number]

    def bind(self, deployment: str, *, is_prod: bool) -> None:
        """Step 0: the deployment in trouble. The id (and so the file and incident log names) is made from it;
        a checklist that already did work on another deployment cannot be moved."""
        if deployment == self.deployment:
            return
        if self.did_work:
            raise ValueError(f"This checklist already did work on {self.deployment}; start a new one.")
        old = self.path
        self.id = new_checklist_id(deployment, self.created)
        self.deployment, self.is_prod = deployment, is_prod
        self.path = None
        if self.store is not None and old is not None:
            self.save()
            old.unlink(missing_ok=True)

    def record_restore(self, backup_id: str | None, import_id: str | None, rows_written: int | None) -> None:
        self.completed_restores.append(
            {"backup_id": backup_id, "import_id": import_id, "at": now_utc().isoformat(), "rows_written": rows_written}
        )
        self.save()

    def record_pause(self, action: str, note: str = "") -> None:
        self.pause_events.append({"action": action, "at": now_utc().isoformat(), "who": local_user(), "note": note})
        self.save()

    def close(self) -> None:
        self.closed = now_utc()
        self.save()

    def _end(self, number: int, status: StepStatus, outcome: str, data: dict[str, Any]) -> StepState:
        state = self.steps[number]
        state.status, state.outcome, state.finished = status, outcome, now_utc()
        state.started = state.started or state.finished
        state.who = state.who or local_user()
        state.data.update(data)
        self.save()
        return state

    def save(self) -> None:
        if self.store is not None:
            self.store.save(self)

    # -- JSON ---------------------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "id": self.id,
            "deployment": self.deployment,
            "target_label": self.target_label,
            "created": _iso(self.created),
            "who": self.who,
            "is_prod": self.is_prod,
            "closed": _iso(self.closed),
            "steps": [s.to_json() for s in self.steps],
            "pause_events": list(self.pause_events),
            "completed_restores": list(self.completed_restores),
        }

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Checklist:
        steps = [StepState.from_json(s) for s in body.get("steps", [])]
        steps += [StepState() for _ in range(len(STEP_TITLES) - len(steps))]
        return cls(
            id=str(body["id"]),
            deployment=str(body["deployment"]),
            target_label=str(body.get("target_label", "")),
            created=_time(body.get("created")) or now_utc(),
            who=str(body.get("who", "")),
            is_prod=bool(body.get("is_prod")),
            steps=steps[: len(STEP_TITLES)],
            closed=_time(body.get("closed")),
            pause_events=[dict(e) for e in body.get("pause_events") or [] if isinstance(e, dict) and "action" in e],
            completed_restores=[dict(r) for r in body.get("completed_restores") or [] if isinstance(r, dict)],
        )


_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def new_checklist_id(deployment: str, created: datetime) -> str:
    return f"{created:%Y%m%dT%H%M%SZ}-{_SAFE.sub('-', deployment)}-{secrets.token_hex(2)}"


class ChecklistStore:
    """Checklists as JSON files in one folder (mode 0700), each file mode 0600."""

    def __init__(self, root: Path):
        self.root = Path(root)

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> ChecklistStore:
        return cls(Path(data_dir) / "checklists")

    def __repr__(self) -> str:
        return f"ChecklistStore({str(self.root)!r})"

    def new(self, deployment: str, *, target_label: str = "", is_prod: bool = False) -> Checklist:
        checklist = self.draft(deployment, target_label=target_label, is_prod=is_prod)
        self.save(checklist)
        return checklist

    def draft(self, deployment: str, *, target_label: str = "", is_prod: bool = False) -> Checklist:
        """A checklist not yet on disk: its first change writes it (so leaving before any step leaves nothing)."""
        created = now_utc()
        checklist = Checklist(
            id=new_checklist_id(deployment, created),
            deployment=deployment,
            target_label=target_label,
            created=created,
            who=local_user(),
            is_prod=is_prod,
        )
        checklist.store = self
        return checklist

    def path_of(self, checklist_id: str) -> Path:
        return self.root / f"{_SAFE.sub('-', checklist_id)}.json"

    def save(self, checklist: Checklist) -> Path:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.root.chmod(0o700)
        path = self.path_of(checklist.id)
        write_json_atomically(path, checklist.to_json(), indent=1)
        checklist.path = path
        return path

    def load(self, checklist_id: str) -> Checklist:
        return self._read(self.path_of(checklist_id))

    def _read(self, path: Path) -> Checklist:
        checklist = Checklist.from_json(json.loads(path.read_text(encoding="utf-8")))
        checklist.path, checklist.store = path, self
        return checklist

    def all(self) -> list[Checklist]:
        """Every readable checklist, newest first."""
        if not self.root.is_dir():
            return []
        found = []
        for path in self.root.glob("*.json"):
            try:
                found.append(self._read(path))
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return sorted(found, key=lambda c: c.created, reverse=True)

    def unfinished(self, deployment: str | None = None) -> Checklist | None:
        """The newest checklist not yet closed (of `deployment` when given): the one to offer to resume."""
        return next((c for c in self.all() if not c.finished and deployment in (None, c.deployment)), None)
