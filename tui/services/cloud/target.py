"""`CloudTarget`: the `BackupTarget` of Convex Cloud, and of the sandbox (the same HTTP, with big brain's
base URL pointed at the sandbox's platform). Big brain (`PlatformClient`) lists teams, projects,
deployments and backups and runs backups, restores and schedules; each deployment's own API (with the
credential of `instances/{name}/auth`) reports progress, confirms restores and holds env vars."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tui.api.deployment.models import SnapshotImport
from tui.api.errors import ConvexApiError, NotFound, PlanLimit
from tui.api.platform.client import PlatformClient

# Only listing is needed to draw the first screen; env vars, restores and file imports are loaded when
# first used (each pulls in the deployment client, the sync protocol or the archive reader).
from tui.services.cloud import backups as cloud_backups
from tui.services.cloud.directory import CloudDirectory, deployment_number
from tui.services.cloud.schedule import CloudSchedules
from tui.services.deployment.env_store import EnvStore
from tui.services.records import ListingNote
from tui.services.errors import BackupLimitReached, BadArgument, ReadOnlyRefused
from tui.services.protocol import (
    DeploymentState,
    BackupRecord,
    DeploymentRef,
    EnvDiff,
    EnvSnapshot,
    PlanLimits,
    Progress,
    ProgressCallback,
    ProjectRef,
    RestorePlan,
    RestoreResult,
    Schedule,
    TargetInfo,
    TargetKind,
    TeamRef,
)

if TYPE_CHECKING:
    from tui.api.deployment.client import DeploymentClient
    from tui.services.restore.staged_imports import ImportRecord
    from tui.services.downloads.downloader import Downloader, DownloadProgress, DownloadResult
    from tui.services.self_hosted.local_store import LocalStore

log = logging.getLogger("tui.services.cloud.target")
COUNTED_STATES = ("requested", "inProgress", "complete")


def cloud_backup_id(backup_id: str) -> int:
    """Convex Cloud's backup ids are numbers; anything else is the operator's typo, not a server error."""
    text = str(backup_id).strip()
    if not text.isascii() or not text.isdigit():
        raise BadArgument(
            f"{backup_id!r} is not a Convex Cloud backup id: those are numbers, as `convex-backups list` shows them.",
            code="BadBackupId",
        )
    return int(text)


class CloudTarget:
    has_data_api = True
    can_pause = True

    def __init__(
        self,
        platform: PlatformClient,
        env_store: EnvStore,
        *,
        kind: TargetKind = "cloud",
        label: str | None = None,
        notice: str | None = None,
        read_only: Callable[[str], bool] = lambda name: False,
        use_sync: bool = True,
        downloader: Downloader | None = None,
        store: LocalStore | None = None,
        token_kind: str = "login",
    ):
        self.platform = platform
        self.store = store  # local copies: safety snapshots (None: not offered)
        self.directory = CloudDirectory(platform, read_only=read_only, token_kind=token_kind)
        self.env_store = env_store
        self.schedules = CloudSchedules(self.directory)
        self.kind = kind
        self.label = label or ("local sandbox" if kind == "sandbox" else f"Convex ({platform.base_url})")
        self.notice = notice
        self.use_sync = use_sync
        self._downloader = downloader
        self._restore_started: dict[str, float] = {}
        self._sizes: dict[str, int] = {}  # snapshot id -> ZIP bytes (a completed export never changes)

    @property
    def downloader(self) -> Downloader:
        if self._downloader is None:  # made on first use: the downloads module is not needed to start
            from tui.services.downloads.downloader import Downloader

            self._downloader = Downloader()
        return self._downloader

    async def deployment_client(self, deployment: DeploymentRef) -> DeploymentClient:
        return await self.directory.client(deployment.name)

    def __repr__(self) -> str:
        return f"CloudTarget({self.kind!r}, {self.platform.base_url!r})"

    async def info(self) -> TargetInfo:
        return TargetInfo(self.kind, self.label, self.notice, self.platform.base_url)

    async def aclose(self) -> None:
        await self.directory.aclose()
        await self.platform.aclose()

    def _writable(self, ref: DeploymentRef, action: str) -> DeploymentRef:
        ref = self.directory.with_read_only(ref)
        if ref.read_only:
            raise ReadOnlyRefused(ref.name, action)
        return ref

    # -- browsing -----------------------------------------------------------------------------------------
    async def list_teams(self) -> list[TeamRef]:
        return await self.directory.team_refs()

    async def list_projects(self, team: str | None = None) -> list[ProjectRef]:
        return await self.directory.project_refs(team)

    async def list_deployments(self, project: str | None = None) -> list[DeploymentRef]:
        return await self.directory.deployment_refs(project)

    def listing_notes(self) -> list[ListingNote]:
        """After `list_deployments`: teams that could not be listed, and what the token can do."""
        return self.directory.notes()

    async def get_deployment(self, name: str) -> DeploymentRef:
        return await self.directory.get(name)

    async def plan_limits(self, deployment: DeploymentRef) -> PlanLimits:
        placement = await self.directory.placement(deployment)
        entitlements, backups = await asyncio.gather(
            self.platform.entitlements(placement.team.id),
            self.platform.list_cloud_backups(deployment_number(deployment)),
        )
        counted = sum(1 for b in backups if b.state in COUNTED_STATES)
        limit = entitlements.max_cloud_backups
        explanation = (
            f"Team {placement.team.slug}'s plan keeps at most {limit} backups per deployment; "
            f"{deployment.name} has {counted}."
        )
        if not entitlements.periodic_backups_enabled:
            explanation += " Periodic backups are a Convex Pro feature this plan lacks."
        return PlanLimits(limit, counted, entitlements.periodic_backups_enabled, explanation)

    # -- backups ------------------------------------------------------------------------------------------
    async def list_backups(self, deployment: DeploymentRef) -> list[BackupRecord]:
        # The deployment's own credential is fetched alongside: reading the sizes needs it next.
        backups, schedule, _ = await asyncio.gather(
            self.platform.list_cloud_backups(deployment_number(deployment)),
            self.schedules.raw(deployment),
            self._client_or_none(deployment),
        )
        await cloud_backups.fill_sizes(self.directory, backups, self._sizes)
        saved = self._env_by_backup(deployment.name)
        return [
            cloud_backups.record(
                b,
                deployment.name,
                kind=cloud_backups.classify(b, schedule, str(b.id) in saved),
                env_snapshot=saved.get(str(b.id)),
                size=self._sizes.get(b.snapshot_id or ""),
            )
            for b in backups
        ]

    async def get_backup(self, deployment: DeploymentRef, backup_id: str) -> BackupRecord:
        backup = await self.platform.get_cloud_backup(cloud_backup_id(backup_id))
        saved = self._env_by_backup(backup.source_deployment_name)
        schedule = await self.schedules.raw(deployment)
        kind = cloud_backups.classify(backup, schedule, str(backup.id) in saved)
        await cloud_backups.fill_sizes(self.directory, [backup], self._sizes)
        return cloud_backups.record(
            backup,
            deployment.name,
            kind=kind,
            env_snapshot=saved.get(str(backup.id)),
            size=self._sizes.get(backup.snapshot_id or ""),
        )

    async def _client_or_none(self, deployment: DeploymentRef) -> None:
        try:
            await self.directory.client(deployment.name)
        except ConvexApiError:
            pass  # the sizes are then left out, not the listing

    def _env_by_backup(self, deployment: str) -> dict[str, str]:
        try:
            snapshots = self.env_store.list(deployment)
        except ConvexApiError:
            return {}
        return {s.reason.split(" ", 1)[1]: s.id for s in snapshots if s.reason.startswith("backup ") and s.id}

    async def request_backup(self, deployment: DeploymentRef, *, include_storage: bool = False) -> BackupRecord:
        from tui.services.deployment import env_vars as env_ops

        limits = await self.plan_limits(deployment)
        if limits.at_backup_limit:
            raise BackupLimitReached(
                f"{deployment.name} already keeps {limits.backups_counted} backups, the most its team's plan "
                f"allows ({limits.max_backups}): delete an older backup first (convex-backups list shows them), "
                "or move to a plan that keeps more.",
                code="BackupLimitReached",
            )
        try:
            backup = await self.platform.request_cloud_backup(
                deployment_number(deployment), include_storage=include_storage
            )
        except PlanLimit as exc:  # the server's own rule, if it is stricter than the entitlements said
            raise BackupLimitReached(exc.message, code=exc.code or "BackupLimitReached", status=exc.status) from None
        notes: tuple[str, ...] = ()
        env_id = None
        try:
            snapshot = await self.directory.on_deployment(
                deployment.name,
                lambda client: env_ops.save(client, self.env_store, deployment.name, reason=f"backup {backup.id}"),
            )
            env_id = snapshot.id
        except (ConvexApiError, OSError) as exc:
            log.warning("could not save the environment variables of %s (%s)", deployment.name, type(exc).__name__)
            notes = (f"The environment variables were not saved ({exc}); save them with `convex-backups env save`.",)
        return cloud_backups.record(backup, deployment.name, env_snapshot=env_id, notes=notes)

    async def follow_backup(self, deployment: DeploymentRef, backup_id: str) -> AsyncIterator[Progress]:
        async for progress in cloud_backups.follow(self.directory, cloud_backup_id(backup_id), use_sync=self.use_sync):
            yield progress

    async def cancel_backup(self, deployment: DeploymentRef, backup_id: str) -> None:
        from tui.services.cloud.cancel_checks import cancel_refusal

        self._writable(deployment, "cancel a backup of")
        backup = await self.platform.get_cloud_backup(cloud_backup_id(backup_id))
        refusal = cancel_refusal(str(backup.id), backup.state)  # the dashboard's rule, before asking
        if refusal is not None:
            raise refusal
        await self.platform.cancel_cloud_backup(backup.id)

    async def delete_backup(self, deployment: DeploymentRef, backup_id: str) -> None:
        self._writable(deployment, "delete a backup of")
        await self.platform.delete_cloud_backup(cloud_backup_id(backup_id))

    async def download_backup(
        self,
        deployment: DeploymentRef | str,
        backup_id: str,
        *,
        folder: Path | None = None,
        progress: Callable[[DownloadProgress], None] | None = None,
        full_verify: bool = False,
    ) -> DownloadResult:
        from tui.services.downloads.backup_download import download_cloud_backup

        # Only what the download needs: what the token is (before any dashboard route), then side by side
        # the backup itself (not the size and the schedule's kind that `get_backup` adds, two more
        # requests) and the deployment's credential, which also says that the deployment exists (a
        # deployment given by name is not looked up in the listing).
        name = deployment if isinstance(deployment, str) else deployment.name
        await self.directory.access()
        backup, _ = await asyncio.gather(
            self.platform.get_cloud_backup(cloud_backup_id(backup_id)), self.directory.client(name)
        )
        record = cloud_backups.record(backup, name)
        return await download_cloud_backup(
            self.directory, record, folder=folder, progress=progress, downloader=self.downloader.verifying(full_verify)
        )

    async def stored_zip(self, deployment: DeploymentRef, backup_id: str) -> None:
        return None  # Convex Cloud keeps its backups: they are downloaded, never in this app's store

    # -- safety copies that use no backup slot ------------------------------------------------------------
    def local_backup_folder(self, deployment: DeploymentRef) -> Path:
        from tui.services.self_hosted.local_store import LocalStore

        if self.store is None:
            raise ConvexApiError("This target has no local backup folder.", code="NoLocalStore")
        return self.store.folder(LocalStore.key_for(deployment.name, deployment.url))

    async def safety_snapshot(
        self, deployment: DeploymentRef, *, include_storage: bool = True, on_progress: ProgressCallback | None = None
    ) -> BackupRecord:
        from tui.services.self_hosted.local_store import LocalStore
        from tui.services.self_hosted.backup import make_backup

        self.local_backup_folder(deployment)  # refuses first when there is no store
        assert self.store is not None
        client = await self.directory.client(deployment.name)
        stored = await make_backup(
            client,
            self.store,
            LocalStore.key_for(deployment.name, deployment.url),
            deployment.name,
            include_storage=include_storage,
            downloader=self.downloader,
            env_store=self.env_store,
            on_progress=on_progress,
            use_sync=self.use_sync,
        )
        return stored.safety_record()

    async def stored_file_count(self, deployment: DeploymentRef) -> int | None:
        try:
            return await self.directory.on_deployment(deployment.name, lambda client: client.file_count())
        except ConvexApiError:
            return None

    # -- restore and import -------------------------------------------------------------------------------
    async def check_restore(self, target: DeploymentRef, *, backup: BackupRecord | None = None) -> None:
        from tui.services.restore import checks as restore_checks

        target = self._writable(target, "restore into" if backup is not None else "import into")
        if backup is not None:
            try:
                source = await self.get_deployment(backup.source_deployment)
            except NotFound:
                source = None  # not listed (deleted?): Convex decides, as before
            refusal = restore_checks.cross_refusal(backup, source, target)
            if refusal is not None:
                raise refusal
        await restore_checks.refuse_while_running(self, target, cloud_restore=backup is not None)

    async def prepare_restore(
        self, backup_id: str, target: DeploymentRef, *, source: DeploymentRef | None = None
    ) -> RestorePlan:
        from tui.services.restore import flow as restore_flow

        target = self._writable(target, "restore into")
        backup = await self.platform.get_cloud_backup(cloud_backup_id(backup_id))
        # The dashboard's rules again, however the caller got here (no request goes out for a restore that
        # Convex's own client would not offer): another team or region, a dedicated target, a backup or a
        # restore running on the target, whoever started it.
        await self.check_restore(target, backup=cloud_backups.record(backup, backup.source_deployment_name))
        client = await self.directory.client(target.name)
        before = {document.id for document in await client.list_imports()}
        await self.platform.restore_from_cloud_backup(deployment_number(target), cloud_backup_id(backup_id))

        def ours(documents: list[SnapshotImport]) -> SnapshotImport | None:
            return next(
                (
                    d
                    for d in documents
                    if d.is_cloud_restore and d.id not in before and d.source_cloud_backup_id == backup.id
                ),
                None,
            )

        document = await restore_flow.wait_for_import(client, ours, use_sync=self.use_sync)
        requested = cloud_backups.record(backup, backup.source_deployment_name).requested
        source_text = f"backup {backup.id} of {backup.source_deployment_name} ({requested:%Y-%m-%d %H:%M} UTC)"
        self._restore_started[document.id] = time.monotonic()
        plan = restore_flow.plan_from_import(document, source=source_text, target=target, backup_id=str(backup.id))
        return replace(plan, cloud_restore=True)

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
        from tui.services.restore.file_import import FileImport

        target = self._writable(target, "import into")
        client = await self.directory.client(target.name)
        plan = await FileImport(client, use_sync=self.use_sync).prepare(
            Path(path), target, on_progress=on_progress, mode=mode, source=source, backup_id=backup_id
        )
        self._restore_started[plan.import_id] = time.monotonic()
        return plan

    async def confirm_restore(self, plan: RestorePlan) -> None:
        target = self._writable(plan.target, "restore into")
        await self.directory.on_deployment(target.name, lambda client: client.perform_import(plan.import_id))
        self._restore_started[plan.import_id] = time.monotonic()

    async def abandon_restore(self, plan: RestorePlan) -> None:
        await self.directory.on_deployment(plan.target.name, lambda client: client.cancel_import(plan.import_id))

    async def follow_restore(self, plan: RestorePlan) -> AsyncIterator[Progress]:
        from tui.services.restore import flow as restore_flow

        client = await self.directory.client(plan.target.name)
        async for progress in restore_flow.follow_import(client, plan.import_id, use_sync=self.use_sync):
            yield progress

    async def restore_result(self, plan: RestorePlan) -> RestoreResult:
        from tui.services.restore import flow as restore_flow

        started = self._restore_started.get(plan.import_id)
        return await self.directory.on_deployment(
            plan.target.name, lambda client: restore_flow.import_result(client, plan.import_id, started)
        )

    # -- staged imports (tui/services/restore/staged_imports.py) --------------------------------------------------
    async def list_imports(self, deployment: DeploymentRef) -> list[ImportRecord]:
        from tui.services.restore.staged_imports import record_of

        documents = await self.directory.on_deployment(deployment.name, lambda client: client.list_imports())
        return [record_of(document, deployment.name) for document in documents]

    async def cancel_import(self, deployment: DeploymentRef, import_id: str) -> None:
        self._writable(deployment, "cancel an import of")
        await self.directory.on_deployment(deployment.name, lambda client: client.cancel_import(import_id))

    # -- periodic schedule --------------------------------------------------------------------------------
    async def get_schedule(self, deployment: DeploymentRef) -> Schedule | None:
        return await self.schedules.get(deployment)

    async def set_schedule(self, deployment: DeploymentRef, schedule: Schedule) -> Schedule:
        return await self.schedules.set(self._writable(deployment, "change the backup schedule of"), schedule)

    async def disable_schedule(self, deployment: DeploymentRef) -> None:
        await self.schedules.disable(self._writable(deployment, "change the backup schedule of"))

    # -- environment variables ----------------------------------------------------------------------------
    async def env_live(self, deployment: DeploymentRef) -> EnvSnapshot:
        from tui.services.deployment import env_vars as env_ops

        return await self.directory.on_deployment(deployment.name, lambda c: env_ops.live(c, deployment.name))

    async def env_save(self, deployment: DeploymentRef, *, reason: str = "manual") -> EnvSnapshot:
        from tui.services.deployment import env_vars as env_ops

        return await self.directory.on_deployment(
            deployment.name, lambda c: env_ops.save(c, self.env_store, deployment.name, reason=reason)
        )

    async def env_saved(self, deployment: DeploymentRef) -> list[EnvSnapshot]:
        return self.env_store.list(deployment.name)

    async def env_diff(self, deployment: DeploymentRef, saved_id: str) -> EnvDiff:
        from tui.services.deployment import env_vars as env_ops

        saved = self.env_store.find(deployment.name, saved_id)
        live = await self.env_live(deployment)
        return env_ops.diff(live.values, saved)

    async def env_restore(self, deployment: DeploymentRef, saved_id: str, *, keep_extra: bool = False) -> EnvDiff:
        from tui.services.deployment import env_vars as env_ops

        deployment = self._writable(deployment, "change the environment variables of")
        return await self.directory.on_deployment(
            deployment.name,
            lambda c: env_ops.restore(c, self.env_store, deployment.name, saved_id, keep_extra=keep_extra),
        )

    # -- pausing, through the deployment credential big brain hands out -----------------------------------
    async def deployment_state(self, deployment: DeploymentRef) -> DeploymentState:
        from tui.services.deployment import pausing

        return await self.directory.on_deployment(deployment.name, pausing.read_state)

    async def pause_deployment(self, deployment: DeploymentRef) -> DeploymentState:
        from tui.services.deployment import pausing

        self._writable(deployment, "pause")
        return await self.directory.on_deployment(deployment.name, pausing.pause)

    async def unpause_deployment(self, deployment: DeploymentRef) -> DeploymentState:
        from tui.services.deployment import pausing

        self._writable(deployment, "unpause")
        return await self.directory.on_deployment(deployment.name, pausing.unpause)
