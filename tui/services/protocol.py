"""The one interface every kind of target offers (Convex Cloud, the sandbox, self-hosted Convex); the
plain values it returns are in records.py (and importable from here). Screens and headless commands talk only to a `BackupTarget`.

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

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from tui.services.records import (
    BackupKind,
    BackupRecord,
    BackupState,
    DeploymentRef,
    DeploymentState,
    EnvDiff,
    EnvSnapshot,
    Frequency,
    ListingNote,
    PlanLimits,
    Progress,
    ProgressCallback,
    ProjectRef,
    RestorePlan,
    RestoreResult,
    RestoreState,
    RUNNING_BACKUP_STATES,
    Schedule,
    TableChange,
    TableProgress,
    TargetInfo,
    TargetKind,
    TeamRef,
    TERMINAL_BACKUP_STATES,
    WEEKDAYS,
)

# The values are part of this interface: re-exported for screens and commands.
__all__ = [
    "BackupTarget",
    "BackupKind",
    "BackupRecord",
    "BackupState",
    "DeploymentRef",
    "DeploymentState",
    "EnvDiff",
    "EnvSnapshot",
    "Frequency",
    "ListingNote",
    "PlanLimits",
    "Progress",
    "ProgressCallback",
    "ProjectRef",
    "RestorePlan",
    "RestoreResult",
    "RestoreState",
    "RUNNING_BACKUP_STATES",
    "Schedule",
    "TableChange",
    "TableProgress",
    "TargetInfo",
    "TargetKind",
    "TeamRef",
    "TERMINAL_BACKUP_STATES",
    "WEEKDAYS",
]

if TYPE_CHECKING:
    from tui.api.deployment.client import DeploymentClient
    from tui.services.restore.staged_imports import ImportRecord
    from tui.services.downloads.downloader import Downloader, DownloadProgress, DownloadResult
    from tui.services.self_hosted.local_store import LocalStore


@runtime_checkable
class BackupTarget(Protocol):
    """What an operator can do with one kind of target. Implementations: `CloudTarget` (Convex Cloud and
    the sandbox, `tui/services/cloud/target.py`) and the self-hosted target (`tui/services/self_hosted/target.py`)."""

    async def info(self) -> TargetInfo: ...

    async def aclose(self) -> None: ...

    # -- what the kinds differ in, declared so that callers ask the target, not its class ---------------------
    @property
    def use_sync(self) -> bool:
        """Whether progress is followed over the deployment's sync WebSocket (else by polling its HTTP API)."""
        ...

    @property
    def downloader(self) -> Downloader:
        """What saves this target's ZIPs (verifying them as they arrive)."""
        ...

    @property
    def store(self) -> LocalStore | None:
        """This app's store of local copies (self-hosted backups, safety snapshots); None when it keeps none."""
        ...

    @property
    def has_data_api(self) -> bool:
        """Whether `deployment_client` answers (Cloud, the sandbox and self-hosted Convex all do)."""
        ...

    async def deployment_client(self, deployment: DeploymentRef) -> DeploymentClient:
        """The deployment's own API with this target's credential (Cloud and the sandbox: the one big brain
        hands out; self-hosted: the admin key's). Raises `NotImplementedError` when `has_data_api` is False."""
        ...

    @property
    def can_pause(self) -> bool:
        """Whether `deployment_state`, `pause_deployment` and `unpause_deployment` answer (every real kind)."""
        ...

    # -- browsing ------------------------------------------------------------------------------------------
    async def list_teams(self) -> list[TeamRef]: ...

    async def list_projects(self, team: str | None = None) -> list[ProjectRef]:
        """Projects of one team (slug), or of every team."""
        ...

    async def list_deployments(self, project: str | None = None) -> list[DeploymentRef]:
        """Deployments of one project (slug), or every deployment the credentials reach."""
        ...

    def listing_notes(self) -> list[ListingNote]:
        """After `list_deployments`: what the listing could not show (a team that could not be listed) and what
        the token in use can and cannot do; [] when there is nothing to say (self-hosted Convex)."""
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
        self,
        deployment: DeploymentRef | str,
        backup_id: str,
        *,
        folder: Path | None = None,
        progress: Callable[[DownloadProgress], None] | None = None,
        full_verify: bool = False,
    ) -> DownloadResult:
        """Saves complete backup `backup_id` of `deployment` as a ZIP in `folder` (default: the Downloads
        folder) under Convex's name, `snapshot_<deployment>_<ts>.zip`, with a `<name>.sha256` sidecar.
        The bytes go to `<name>.part` first and get the final name only once every entry's CRC and every
        stored file's sha256 checked out (`full_verify`: once every document decoded too); an existing
        file is never overwritten (`TargetExists`). A dropped connection resumes with Range, and a `.part`
        left by an interrupted run of the same backup is continued. Raises `tui.api.errors.Conflict`
        (`BackupNotComplete`) for a backup that is not complete, `NotFound` for an unknown one, and a
        `tui.services.downloads.errors.DownloadError` (`DiskFull`, `CorruptArchive`, `RetriesExhausted`,
        ...) when no verified file could be saved. Allowed on read-only deployments. `deployment` may be
        given by name (as the command line gives it): it is then not looked up before the download starts,
        and an unknown name is still `NotFound`."""
        ...

    async def safety_snapshot(
        self, deployment: DeploymentRef, *, include_storage: bool = True, on_progress: ProgressCallback | None = None
    ) -> BackupRecord:
        """A safety copy that uses no backup slot of the plan: the deployment's own snapshot export (the one
        `npx convex export` makes), downloaded and verified into `local_backup_folder(deployment)` with the
        environment variables beside it (mode 0600, never printed). Returns once it is complete; its `notes`
        say where it is."""
        ...

    async def stored_zip(self, deployment: DeploymentRef, backup_id: str) -> Path | None:
        """The ZIP of backup `backup_id` in this app's own store, where the backup is that file (self-hosted
        Convex; `NotFound` for an unknown one); None where backups live elsewhere (Convex Cloud)."""
        ...

    def local_backup_folder(self, deployment: DeploymentRef) -> Path:
        """Where this app keeps local copies of the deployment's data (safety snapshots, a backup downloaded
        before it is deleted to free a slot)."""
        ...

    async def stored_file_count(self, deployment: DeploymentRef) -> int | None:
        """Files in the deployment's `_storage`; None when they cannot be counted."""
        ...

    # -- restore and import ----------------------------------------------------------------------------------
    async def check_restore(self, target: DeploymentRef, *, backup: BackupRecord | None = None) -> None:
        """Raises `tui.services.errors.RestoreRefused` (or `ReadOnlyRefused`) for what would make restoring
        `backup` (None: importing a ZIP) into `target` fail before anything changes: another team or region,
        a dedicated target, a backup or a restore running on the target. Changes nothing; call it before
        the safety backup."""
        ...

    async def prepare_restore(
        self, backup_id: str, target: DeploymentRef, *, source: DeploymentRef | None = None
    ) -> RestorePlan:
        """Stages backup `backup_id` (of `source`, default `target`) for restoring into `target` and
        returns what it will change. Nothing in `target` changes until `confirm_restore`."""
        ...

    async def prepare_file_import(
        self,
        path: Path,
        target: DeploymentRef,
        *,
        on_progress: ProgressCallback | None = None,
        mode: str = "replaceAll",
        source: str | None = None,
        backup_id: str | None = None,
    ) -> RestorePlan:
        """Uploads a snapshot ZIP from disk into `target` (replacing all its tables once confirmed; with
        `mode="replace"` only the tables the ZIP holds, as `npx convex import --replace`). `source` is how
        the plan names the data (default: the path)."""
        ...

    async def confirm_restore(self, plan: RestorePlan) -> None: ...

    async def abandon_restore(self, plan: RestorePlan) -> None:
        """The operator said no: drop the staged import; nothing was changed."""
        ...

    def follow_restore(self, plan: RestorePlan) -> AsyncIterator[Progress]:
        """Per-table progress of a confirmed restore until it completes or fails."""
        ...

    async def restore_result(self, plan: RestorePlan) -> RestoreResult: ...

    # -- staged imports (tui/services/restore/staged_imports.py) --------------------------------------------------
    async def list_imports(self, deployment: DeploymentRef) -> list[ImportRecord]:
        """The deployment's newest snapshot imports (at most 20), newest first, in every state."""
        ...

    async def cancel_import(self, deployment: DeploymentRef, import_id: str) -> None:
        """Cancel an unfinished import (`POST /api/cancel_import`): it fails with "Import canceled" and no
        data changes. Raises `tui.api.errors.Conflict` once it completed or failed; refused for a
        `read_only` deployment before any request."""
        ...

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

    # -- pausing -------------------------------------------------------------------------------------------
    async def deployment_state(self, deployment: DeploymentRef) -> DeploymentState: ...

    async def pause_deployment(self, deployment: DeploymentRef) -> DeploymentState:
        """Stops user functions, HTTP actions and file-storage HTTP; system functions, data edits, restores,
        code pushes and env changes keep working. Pausing a paused deployment is not an error. Refused for
        a `read_only` deployment; Convex refuses it (`PauseDeploymentFailed`) when it disabled the deployment."""
        ...

    async def unpause_deployment(self, deployment: DeploymentRef) -> DeploymentState:
        """Raises `InvalidRequest` (`UnpauseDeploymentFailed`) when it is not paused or Convex stopped it."""
        ...
