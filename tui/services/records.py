"""The plain values a `BackupTarget` returns (see protocol.py for the conventions they follow): teams,
projects, deployments (and the notes a listing of them leaves), backups, progress, restore plans and results, schedules, environment variables
and a deployment's running state."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

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
    # The deployment record's `class` (e.g. "s16"; "d1024" is dedicated); None where there is none.
    deployment_class: str | None = None

    @property
    def is_dedicated(self) -> bool:
        """The dashboard's test (`deployment.class.startsWith("d")`): a ZIP backup cannot be restored into it."""
        return bool(self.deployment_class and self.deployment_class.startswith("d"))

    @property
    def class_words(self) -> str | None:
        """ "dedicated (d1024)" or "shared (s16)"; None when the class is unknown."""
        if not self.deployment_class:
            return None
        return f"{'dedicated' if self.is_dedicated else 'shared'} ({self.deployment_class})"

    @property
    def danger_label(self) -> str:
        """Words, never colour alone: "PRODUCTION" for prod deployments, else the type."""
        return "PRODUCTION" if self.is_prod else self.type


@dataclass(frozen=True)
class ListingNote:
    """What the deployment tree and `list` say besides deployments: a team that could not be listed (SSO
    required, suspended, refused), and what the token in use can and cannot do (tui/commands/README.md "Which
    token reaches what"). One team's failure is its own note; the other teams still load."""

    message: str
    team: str | None = None  # the team's slug for a team's note; None for a note about the token
    team_name: str | None = None
    error: bool = False  # the team could not be listed (its deployments are missing from the tree)


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
    # A restore from a Convex cloud backup (requestor `cloudRestore`): Convex's dashboard confirms the newest
    # one waiting for confirmation by itself, so anyone with the target's Backups page open would start it.
    cloud_restore: bool = False
    only_tables: tuple[str, ...] = ()  # a restore of these tables only (import `replace`); () = every table

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
    and is None for daily schedules. Use `tui.services.schedules.times` to convert to and from local time."""

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
    """Whether the deployment serves its app. Pausing is the operator's (`user`);
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
        """ "running", "paused", or why Convex stopped it."""
        if self.system != "none":
            return self.system
        if self.usage_limit != "none":
            return "stopped by a usage limit" + (" (and paused)" if self.paused else "")
        return "paused" if self.paused else "running"


ProgressCallback = Callable[[Progress], None]
