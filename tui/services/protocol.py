"""The one interface every kind of target offers (Convex Cloud, the sandbox, self-hosted Convex), and the
plain values it returns. Screens and headless commands talk only to a `BackupTarget`.

Conventions:
- Every operation is async. Ids are strings (cloud backup ids are decimal integers as text).
- Times are timezone-aware UTC `datetime`s; durations are seconds (`float`).
- Operations that change a deployment or discard its backups (`cancel_backup`, `delete_backup`, restores,
  imports, schedule changes, env restore) raise `tui.services.errors.ReadOnlyRefused` for a `read_only`
  deployment before any request is sent. Taking a backup (and saving env vars) is allowed: it changes
  nothing in the deployment.
- `request_backup` raises `tui.services.errors.BackupLimitReached` (a `tui.api.errors.PlanLimit`) BEFORE
  the request when the deployment already keeps as many backups as its plan allows.
- Schedules raise `tui.services.errors.NotEntitled` when the plan lacks periodic backups (Convex Pro).
- A restore or import is three steps, so a person sees the change summary before anything changes:
  `prepare_restore` / `prepare_file_import` → `RestorePlan` (nothing is written yet); then either
  `confirm_restore(plan)` or `abandon_restore(plan)`; after confirming, `follow_restore(plan)` yields
  `Progress` (with per-table rows) until the end and `restore_result(plan)` says how it ended.
- Secrets never appear in these values' `repr`: env var values live in `EnvSnapshot.values` (repr shows
  names only) and are masked by `EnvSnapshot.masked()` unless a caller asks for them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from tui.services.downloads import DownloadProgress, DownloadResult

TargetKind = Literal["cloud", "selfHosted", "sandbox"]
BackupState = Literal["requested", "inProgress", "complete", "failed", "canceled"]
BackupKind = Literal["manual", "daily", "weekly"]
Frequency = Literal["daily", "weekly"]
RestoreState = Literal["waiting_for_confirmation", "in_progress", "completed", "failed", "canceled"]

RUNNING_BACKUP_STATES = ("requested", "inProgress")
TERMINAL_BACKUP_STATES = ("complete", "failed", "canceled")
WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")  # cron order


@dataclass(frozen=True)
class TargetInfo:
    """What the app is connected to. `label` is one line for a header ("Convex Cloud (you@example)",
    "local sandbox — not your Convex account", "self-hosted https://..."); `notice` a warning to show."""

    kind: TargetKind
    label: str
    notice: str | None = None
    base_url: str | None = None  # big brain (cloud, sandbox) or the deployment (self-hosted)


@dataclass(frozen=True)
class TeamRef:
    id: str
    slug: str
    name: str


@dataclass(frozen=True)
class ProjectRef:
    id: str
    slug: str
    name: str
    team: str  # team slug


@dataclass(frozen=True)
class DeploymentRef:
    team: str  # team slug ("" when unknown, e.g. self-hosted)
    project: str  # project slug
    name: str  # e.g. "happy-otter-123"; the name `--deployment` and `--confirm` take
    type: str  # "prod", "dev", "preview", "custom", "selfHosted", ...
    region: str | None
    url: str | None
    id: str | None  # big brain's numeric id as text (cloud, sandbox); None for self-hosted
    is_prod: bool
    read_only: bool = False  # from the profile: mutating operations are refused

    @property
    def danger_label(self) -> str:
        """Words, never colour alone: "PRODUCTION" for prod deployments, else the type."""
        return "PRODUCTION" if self.is_prod else self.type


@dataclass(frozen=True)
class PlanLimits:
    """What the deployment's plan allows, and how much of it is used."""

    max_backups: int | None  # None: no limit known
    backups_counted: int  # requested + inProgress + complete backups of the deployment
    periodic_backups: bool  # the plan includes periodic (scheduled) backups
    explanation: str  # one sentence for a person, e.g. "The Starter plan keeps 2 backups per deployment."

    @property
    def at_backup_limit(self) -> bool:
        return self.max_backups is not None and self.backups_counted >= self.max_backups


@dataclass(frozen=True)
class BackupRecord:
    id: str
    deployment: str  # the deployment whose list holds it
    state: BackupState
    requested: datetime
    completed: datetime | None
    expires: datetime | None
    include_storage: bool
    size: int | None  # bytes of the ZIP when known
    source_deployment: str  # where the data came from
    kind: BackupKind
    snapshot_id: str | None  # the source deployment's `_exports` id (cloud) or the ZIP's snapshot time
    env_snapshot: str | None = None  # id of the environment variables saved with it (this app's backups)
    notes: tuple[str, ...] = ()  # things the operator should know (e.g. the env vars could not be saved)

    @property
    def is_running(self) -> bool:
        return self.state in RUNNING_BACKUP_STATES

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL_BACKUP_STATES


@dataclass(frozen=True)
class TableProgress:
    table: str  # display name, `component/table` for a component's table
    written: int
    total: int
    existing: int = 0  # rows in the target's table before the restore
    to_delete: int = 0  # of those, the ones the restore removes


@dataclass(frozen=True)
class Progress:
    """The latest state of a running operation. `fraction` is None when unknown (show a spinner);
    `eta` is None until it can be estimated. `state` is the operation's own state word."""

    message: str
    done: int | None = None
    total: int | None = None
    fraction: float | None = None
    elapsed: float = 0.0
    eta: float | None = None
    state: str = ""
    finished: bool = False  # the last value of the iterator (whatever the outcome)
    tables: tuple[TableProgress, ...] = ()


@dataclass(frozen=True)
class TableChange:
    """One table in a restore's change summary (from the import's checkpoints)."""

    table: str
    rows_to_write: int
    existing_rows: int
    rows_to_delete: int


@dataclass(frozen=True)
class RestorePlan:
    """What a restore or import will do, shown to the operator before `confirm_restore`."""

    source: str  # "backup 12 of happy-otter-123 (2024-05-01 10:00 UTC)" or a file path
    target: DeploymentRef
    changes: tuple[TableChange, ...]
    message_to_confirm: str | None  # the server's own summary, when it sent one
    require_manual_confirmation: bool
    import_id: str
    backup_id: str | None = None  # None for a file import
    safety_backup_id: str | None = None  # the backup of the target taken first, if any

    @property
    def rows_to_write(self) -> int:
        return sum(c.rows_to_write for c in self.changes)

    @property
    def rows_to_delete(self) -> int:
        return sum(c.rows_to_delete for c in self.changes)


@dataclass(frozen=True)
class RestoreResult:
    state: RestoreState
    rows_written: int | None
    error: str | None
    finished: datetime | None
    elapsed: float

    @property
    def ok(self) -> bool:
        return self.state == "completed"


@dataclass(frozen=True)
class Schedule:
    """A periodic backup schedule, stored in UTC. `weekday` counts 0 = Sunday … 6 = Saturday (cron order)
    and is None for daily schedules. Use `tui.services.schedule_time` to convert to and from local time."""

    frequency: Frequency
    utc_hour: int
    utc_minute: int
    weekday: int | None
    include_storage: bool
    next_run: datetime | None = None
    retention: timedelta | None = None  # how long each backup is kept (None: the target's default)

    @property
    def cronspec(self) -> str:
        day = "*" if self.weekday is None else str(self.weekday)
        return f"{self.utc_minute} {self.utc_hour} * * {day}"


@dataclass(frozen=True)
class EnvSnapshot:
    """A deployment's environment variables, live or saved. `id` is None for the live set."""

    deployment: str
    taken: datetime
    values: Mapping[str, str] = field(repr=False)
    id: str | None = None
    reason: str = "manual"  # "manual", or "backup <id>" when saved alongside a backup

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self.values))

    def masked(self) -> dict[str, str]:
        from tui.api.secrets import mask

        return {name: mask(self.values[name]) for name in self.names}


@dataclass(frozen=True)
class EnvDiff:
    """Live versus saved: `added` are in the saved set only (a restore creates them), `removed` live only
    (a restore deletes them unless asked to keep them), `changed` in both with different values."""

    saved_id: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


@dataclass(frozen=True)
class DeploymentState:
    """Whether the deployment serves its app (data-and-functions 2.1). Pausing is the operator's (`user`);
    `system` ("disabled", "suspended") and `usage_limit` ("disabled") are Convex's and cannot be undone here."""

    system: str = "none"
    usage_limit: str = "none"
    user: str = "none"

    @property
    def paused(self) -> bool:
        return self.user == "paused"

    @property
    def stopped_by_convex(self) -> bool:
        return self.system != "none" or self.usage_limit != "none"

    @property
    def summary(self) -> str:
        """"running", "paused", or why Convex stopped it."""
        if self.system != "none":
            return self.system
        if self.usage_limit != "none":
            return "stopped by a usage limit" + (" (and paused)" if self.paused else "")
        return "paused" if self.paused else "running"


ProgressCallback = Callable[[Progress], None]


@runtime_checkable
class BackupTarget(Protocol):
    """What an operator can do with one kind of target. Implementations: `CloudTarget` (Convex Cloud and
    the sandbox, `tui/services/cloud.py`) and the self-hosted target (`tui/services/self_hosted.py`)."""

    async def info(self) -> TargetInfo: ...

    async def aclose(self) -> None: ...

    # -- browsing ------------------------------------------------------------------------------------------
    async def list_teams(self) -> list[TeamRef]: ...

    async def list_projects(self, team: str | None = None) -> list[ProjectRef]:
        """Projects of one team (slug), or of every team."""
        ...

    async def list_deployments(self, project: str | None = None) -> list[DeploymentRef]:
        """Deployments of one project (slug), or every deployment the credentials reach."""
        ...

    async def get_deployment(self, name: str) -> DeploymentRef:
        """By exact name; raises `tui.api.errors.NotFound` naming the ones that exist."""
        ...

    async def plan_limits(self, deployment: DeploymentRef) -> PlanLimits: ...

    # -- backups -------------------------------------------------------------------------------------------
    async def list_backups(self, deployment: DeploymentRef) -> list[BackupRecord]:
        """Newest first."""
        ...

    async def get_backup(self, deployment: DeploymentRef, backup_id: str) -> BackupRecord: ...

    async def request_backup(self, deployment: DeploymentRef, *, include_storage: bool = False) -> BackupRecord:
        """Starts a backup (refused before the request at the plan limit) and saves the deployment's
        environment variables beside it."""
        ...

    def follow_backup(self, deployment: DeploymentRef, backup_id: str) -> AsyncIterator[Progress]:
        """Progress until the backup is complete, failed or canceled (the last value has `finished`)."""
        ...

    async def cancel_backup(self, deployment: DeploymentRef, backup_id: str) -> None: ...

    async def delete_backup(self, deployment: DeploymentRef, backup_id: str) -> None: ...

    async def download_backup(
        self, deployment: DeploymentRef, backup_id: str, *, folder: Path | None = None,
        progress: Callable[[DownloadProgress], None] | None = None, full_verify: bool = False,
    ) -> DownloadResult:
        """Saves complete backup `backup_id` of `deployment` as a ZIP in `folder` (default: the Downloads
        folder) under Convex's name, `snapshot_<deployment>_<ts>.zip`, with a `<name>.sha256` sidecar.
        The bytes go to `<name>.part` first and get the final name only once every entry's CRC and every
        stored file's sha256 checked out (`full_verify`: once every document decoded too); an existing
        file is never overwritten (`TargetExists`). A dropped connection resumes with Range, and a `.part`
        left by an interrupted run of the same backup is continued. Raises `tui.api.errors.Conflict`
        (`BackupNotComplete`) for a backup that is not complete, `NotFound` for an unknown one, and a
        `tui.services.download_errors.DownloadError` (`DiskFull`, `CorruptArchive`, `RetriesExhausted`,
        ...) when no verified file could be saved. Allowed on read-only deployments."""
        ...

    # -- restore and import ----------------------------------------------------------------------------------
    async def prepare_restore(
        self, backup_id: str, target: DeploymentRef, *, source: DeploymentRef | None = None
    ) -> RestorePlan:
        """Stages backup `backup_id` (of `source`, default `target`) for restoring into `target` and
        returns what it will change. Nothing in `target` changes until `confirm_restore`."""
        ...

    async def prepare_file_import(
        self, path: Path, target: DeploymentRef, *, on_progress: ProgressCallback | None = None
    ) -> RestorePlan:
        """Uploads a snapshot ZIP from disk into `target` (replacing all its tables once confirmed)."""
        ...

    async def confirm_restore(self, plan: RestorePlan) -> None: ...

    async def abandon_restore(self, plan: RestorePlan) -> None:
        """The operator said no: drop the staged import; nothing was changed."""
        ...

    def follow_restore(self, plan: RestorePlan) -> AsyncIterator[Progress]:
        """Per-table progress of a confirmed restore until it completes or fails."""
        ...

    async def restore_result(self, plan: RestorePlan) -> RestoreResult: ...

    # -- periodic schedule -----------------------------------------------------------------------------------
    async def get_schedule(self, deployment: DeploymentRef) -> Schedule | None:
        """None when periodic backups are off."""
        ...

    async def set_schedule(self, deployment: DeploymentRef, schedule: Schedule) -> Schedule: ...

    async def disable_schedule(self, deployment: DeploymentRef) -> None: ...

    # -- environment variables ---------------------------------------------------------------------------
    async def env_live(self, deployment: DeploymentRef) -> EnvSnapshot: ...

    async def env_save(self, deployment: DeploymentRef, *, reason: str = "manual") -> EnvSnapshot: ...

    async def env_saved(self, deployment: DeploymentRef) -> list[EnvSnapshot]:
        """Saved sets of the deployment, newest first."""
        ...

    async def env_diff(self, deployment: DeploymentRef, saved_id: str) -> EnvDiff: ...

    async def env_restore(self, deployment: DeploymentRef, saved_id: str, *, keep_extra: bool = False) -> EnvDiff:
        """Makes the live set equal to the saved one in one all-or-nothing call; returns what changed.
        With `keep_extra`, variables that exist only live are left alone."""
        ...

    # -- pausing (data-and-functions 2) --------------------------------------------------------------------
    async def deployment_state(self, deployment: DeploymentRef) -> DeploymentState: ...

    async def pause_deployment(self, deployment: DeploymentRef) -> DeploymentState:
        """Stops user functions, HTTP actions and file-storage HTTP; system functions, data edits, restores,
        code pushes and env changes keep working. Pausing a paused deployment is not an error. Refused for
        a `read_only` deployment; Convex refuses it (`PauseDeploymentFailed`) when it disabled the deployment."""
        ...

    async def unpause_deployment(self, deployment: DeploymentRef) -> DeploymentState:
        """Raises `InvalidRequest` (`UnpauseDeploymentFailed`) when it is not paused or Convex stopped it."""
        ...
