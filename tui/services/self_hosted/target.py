"""`SelfHostedTarget`: the `BackupTarget` for a Convex deployment reached only through its URL and admin key
(self-hosted Convex, or a Cloud deployment with only a deploy key).

Such deployments have no cloud backups, so backups are snapshot exports downloaded into this app's store
(`local_store`), verified on the way, with the deployment's environment variables beside them and
Convex's retention. The daily/weekly schedule lives in the store too and is run by `schedules_runner`
(while the app is open, and by `convex-backups run-schedules` from cron or a systemd timer). A restore
checks the stored ZIP against the sha256 recorded when it was saved, then imports it with `replaceAll`
through the same plan/confirm/follow steps as every restore.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from datetime import datetime
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import urlsplit

from tui.api.deployment.client import DeploymentClient
from tui.api.errors import Conflict, ConvexApiError, NotFound, PermissionDenied
from tui.api.secrets import Secret
from tui.services.deployment import env_vars as env_ops
from tui.services.deployment import pausing
from tui.services.self_hosted import schedules_runner
from tui.services.downloads.backup_download import copy_stored_backup, require_complete
from tui.services.config.settings import Homes
from tui.services.downloads.downloader import Downloader, DownloadProgress, DownloadResult
from tui.services.deployment.env_store import EnvStore
from tui.services.errors import ConfigError, ReadOnlyRefused
from tui.services.restore.file_import import FileImport
from tui.services.self_hosted.local_store import LocalStore, StoredBackup
from tui.services.protocol import (
    DeploymentState,
    BackupRecord,
    DeploymentRef,
    EnvDiff,
    EnvSnapshot,
    ListingNote,
    PlanLimits,
    Progress,
    ProgressCallback,
    ProjectRef,
    RestorePlan,
    RestoreResult,
    Schedule,
    TargetInfo,
    TeamRef,
)
from tui.services.self_hosted.backup import BackupJob, make_backup
from tui.services.restore.staged_imports import ImportRecord
from tui.services.config.targets import TargetSpec

log = logging.getLogger("tui.services.self_hosted.target")


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SelfHostedTarget:
    has_data_api = True
    can_pause = True

    def __init__(
        self,
        client: DeploymentClient,
        store: LocalStore,
        env_store: EnvStore,
        *,
        name: str | None = None,
        read_only: Callable[[str], bool] = lambda name: False,
        source: str = "",
        downloader: Downloader | None = None,
        use_sync: bool = True,
    ):
        self.client = client
        self.store = store
        self.env_store = env_store
        self.downloader = downloader or Downloader()
        self.use_sync = use_sync
        self._name = name
        self._read_only = read_only
        self._source = source
        self._ref: DeploymentRef | None = None
        self._jobs: dict[str, BackupJob] = {}
        self._imports = FileImport(client, use_sync=use_sync)

    async def deployment_client(self, deployment: DeploymentRef) -> DeploymentClient:
        return self.client  # the one deployment, reached with the admin key

    def __repr__(self) -> str:
        return f"SelfHostedTarget({self.client.url!r})"

    async def info(self) -> TargetInfo:
        source = f" ({self._source})" if self._source else ""
        return TargetInfo("selfHosted", f"self-hosted {self.client.url}{source}", base_url=self.client.url)

    async def aclose(self) -> None:
        """Waits for backups still running (a backup is only useful once its download is complete)."""
        running = [job.task for job in self._jobs.values() if job.task is not None and not job.task.done()]
        if running:
            await asyncio.gather(*running, return_exceptions=True)
        await self.client.aclose()

    # -- the one deployment --------------------------------------------------------------------------------
    async def deployment(self) -> DeploymentRef:
        if self._ref is None:
            name = self._name or (await self.client.instance_name()).strip() or "convex-self-hosted"
            await self._check_admin_key()
            url = self.client.url
            self._ref = DeploymentRef(
                team="",
                project="",
                name=name,
                type="selfHosted",
                region=None,
                url=url,
                id=None,
                is_prod=not _is_loopback(url),
                read_only=self._read_only(name),
            )
        return self._ref

    async def _check_admin_key(self) -> None:
        """A rejected admin key is an error here, once: listing, copying out and restoring read this app's
        store, so without this a wrong key would show "(no backups)" as if all were well."""
        try:
            await self.client.latest_export()
        except PermissionDenied:
            pass  # a genuine key without the export permission: what needs that permission says so

    def key(self, deployment: DeploymentRef) -> str:
        return LocalStore.key_for(deployment.name, deployment.url)

    def _writable(self, deployment: DeploymentRef, action: str) -> DeploymentRef:
        if deployment.read_only or self._read_only(deployment.name):
            raise ReadOnlyRefused(deployment.name, action)
        return deployment

    async def list_teams(self) -> list[TeamRef]:
        return []

    async def list_projects(self, team: str | None = None) -> list[ProjectRef]:
        return []

    async def list_deployments(self, project: str | None = None) -> list[DeploymentRef]:
        return [await self.deployment()]

    def listing_notes(self) -> list[ListingNote]:
        return []  # one deployment, reached by URL and admin key: no teams to miss, no token's reach to explain

    async def get_deployment(self, name: str) -> DeploymentRef:
        ref = await self.deployment()
        if name != ref.name:
            raise NotFound(
                f"No deployment named {name!r} here: {self.client.url} is {ref.name}.", code="DeploymentNotFound"
            )
        return ref

    async def plan_limits(self, deployment: DeploymentRef) -> PlanLimits:
        policy = self.store.policy(self.key(deployment))
        counted = len(self.store.list(self.key(deployment))) + len(self._running(deployment))
        return PlanLimits(policy.max_backups, counted, True, policy.describe())

    # -- backups -------------------------------------------------------------------------------------------
    def _running(self, deployment: DeploymentRef) -> list[BackupJob]:
        return [
            job
            for job in self._jobs.values()
            if job.deployment == deployment.name and job.stored is None and job.task is not None and not job.task.done()
        ]

    async def list_backups(self, deployment: DeploymentRef) -> list[BackupRecord]:
        running = [job.record() for job in self._running(deployment)]
        return running + [b.record() for b in self.store.list(self.key(deployment))]

    async def get_backup(self, deployment: DeploymentRef, backup_id: str) -> BackupRecord:
        job = self._jobs.get(backup_id)
        if job is not None and job.stored is None:
            return job.record()
        return self.store.get(self.key(deployment), backup_id).record()

    def stored_backup(self, deployment: DeploymentRef, backup_id: str) -> StoredBackup:
        return self.store.get(self.key(deployment), backup_id)

    async def stored_zip(self, deployment: DeploymentRef, backup_id: str) -> Path:
        record = await self.get_backup(deployment, backup_id)
        return self.stored_backup(deployment, record.id).zip_path

    async def download_backup(
        self,
        deployment: DeploymentRef | str,
        backup_id: str,
        *,
        folder: Path | None = None,
        progress: Callable[[DownloadProgress], None] | None = None,
        full_verify: bool = False,
    ) -> DownloadResult:
        """The backup is in this app's store already: copied out, its recorded sha256 checked on the way."""
        if isinstance(deployment, str):
            deployment = await self.get_deployment(deployment)
        record = await self.get_backup(deployment, backup_id)
        require_complete(record)
        return await copy_stored_backup(
            self.stored_backup(deployment, record.id),
            folder=folder,
            progress=progress,
            downloader=self.downloader.verifying(full_verify),
        )

    async def request_backup(
        self, deployment: DeploymentRef, *, include_storage: bool = False, kind: str = "manual"
    ) -> BackupRecord:
        """Starts the backup in a task and returns once it has an id (follow it with `follow_backup`)."""
        self._writable(deployment, "back up")
        if self._running(deployment):
            raise Conflict(
                f"A backup of {deployment.name} is already running: wait for it to finish.", code="BackupInProgress"
            )
        job = BackupJob(deployment.name, kind, include_storage, self.store.clock())

        async def run() -> None:
            # A failure is kept as the job's outcome (its record and final progress say why), not raised:
            # nobody awaits this task, so a raised error would only reach asyncio's "Task exception was
            # never retrieved" traceback. Cancellation still propagates.
            try:
                job.stored = await self.run_backup(
                    deployment, kind=kind, include_storage=include_storage, on_progress=job.update, on_started=job.begin
                )
            except Exception as exc:
                job.error = exc
                log.info("backup of %s failed (%s)", deployment.name, type(exc).__name__)
            except BaseException as exc:
                job.error = exc
                raise
            finally:
                job.update(job.progress)

        job.task = asyncio.create_task(run(), name=f"backup of {deployment.name}")
        started = asyncio.create_task(job.started.wait())
        await asyncio.wait({job.task, started}, return_when=asyncio.FIRST_COMPLETED)
        started.cancel()
        if job.task.done() and not job.started.is_set():
            if job.task.cancelled():
                raise asyncio.CancelledError()
            raise job.error if job.error is not None else RuntimeError("the backup did not start")
        self._jobs[job.id] = job
        return job.record()

    async def run_backup(
        self,
        deployment: DeploymentRef,
        *,
        kind: str = "manual",
        include_storage: bool = False,
        on_progress: Callable[[Progress], None] | None = None,
        on_started: Callable[[str, datetime], None] | None = None,
    ) -> StoredBackup:
        """Take a backup and return it once it is complete (the schedule runner's way)."""
        self._writable(deployment, "back up")
        return await make_backup(
            self.client,
            self.store,
            self.key(deployment),
            deployment.name,
            kind=kind,
            include_storage=include_storage,
            downloader=self.downloader,
            env_store=self.env_store,
            on_progress=on_progress,
            use_sync=self.use_sync,
            on_started=on_started,
        )

    async def follow_backup(self, deployment: DeploymentRef, backup_id: str) -> AsyncIterator[Progress]:
        job = self._jobs.get(backup_id)
        if job is None:
            record = await self.get_backup(deployment, backup_id)
            yield Progress(f"Backup {record.id} is {record.state}.", fraction=1.0, state=record.state, finished=True)
            return
        async for progress in job.changes():
            yield progress

    async def cancel_backup(self, deployment: DeploymentRef, backup_id: str) -> None:
        self._writable(deployment, "cancel a backup of")
        job = self._jobs.get(backup_id)
        if job is None or job.task is None or job.task.done():
            raise Conflict(f"Backup {backup_id} is not running.", code="BackupNotRunning")
        job.task.cancel()
        await asyncio.gather(job.task, return_exceptions=True)
        export = await self.client.latest_export()
        if export is not None and not export.is_terminal:
            try:
                await self.client.cancel_export(export.id)
            except ConvexApiError:
                pass

    def clean_incomplete(self, deployment: DeploymentRef) -> list[str]:
        return self.store.clean_incomplete(self.key(deployment))

    async def delete_backup(self, deployment: DeploymentRef, backup_id: str) -> None:
        self._writable(deployment, "delete a backup of")
        self.store.delete(self.key(deployment), backup_id)

    # -- safety copies (every backup here is local: no plan slot is used) ------------------------------------
    def local_backup_folder(self, deployment: DeploymentRef) -> Path:
        return self.store.folder(self.key(deployment))

    async def safety_snapshot(
        self, deployment: DeploymentRef, *, include_storage: bool = True, on_progress: ProgressCallback | None = None
    ) -> BackupRecord:
        stored = await self.run_backup(deployment, include_storage=include_storage, on_progress=on_progress)
        return stored.safety_record()

    async def stored_file_count(self, deployment: DeploymentRef) -> int | None:
        try:
            return await self.client.file_count()
        except ConvexApiError:
            return None

    # -- restore and import ----------------------------------------------------------------------------------
    async def check_restore(self, target: DeploymentRef, *, backup: BackupRecord | None = None) -> None:
        from tui.services.restore import checks as restore_checks

        self._writable(target, "restore into" if backup is not None else "import into")
        await restore_checks.refuse_while_running(self, target, cloud_restore=False)

    async def prepare_restore(
        self, backup_id: str, target: DeploymentRef, *, source: DeploymentRef | None = None
    ) -> RestorePlan:
        self._writable(target, "restore into")
        source = source or target
        stored = self.store.get(self.key(source), backup_id)
        when = f"{stored.completed:%Y-%m-%d %H:%M} UTC"
        return await self._imports.prepare(
            stored.zip_path,
            target,
            full_verify=False,
            expected_sha256=stored.sha256,
            backup_id=stored.id,
            source=f"backup {stored.id} of {stored.deployment} ({when})",
        )

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
        self._writable(target, "import into")
        return await self._imports.prepare(
            Path(path), target, on_progress=on_progress, full_verify=True, mode=mode, source=source, backup_id=backup_id
        )

    async def confirm_restore(self, plan: RestorePlan) -> None:
        self._writable(plan.target, "restore into")
        await self._imports.confirm(plan)

    async def abandon_restore(self, plan: RestorePlan) -> None:
        await self._imports.abandon(plan)

    async def follow_restore(self, plan: RestorePlan) -> AsyncIterator[Progress]:
        async for progress in self._imports.follow(plan):
            yield progress

    async def restore_result(self, plan: RestorePlan) -> RestoreResult:
        return await self._imports.result(plan)

    # -- staged imports (tui/services/restore/staged_imports.py) --------------------------------------------------
    async def list_imports(self, deployment: DeploymentRef) -> list[ImportRecord]:
        from tui.services.restore.staged_imports import record_of

        return [record_of(document, deployment.name) for document in await self.client.list_imports()]

    async def cancel_import(self, deployment: DeploymentRef, import_id: str) -> None:
        self._writable(deployment, "cancel an import of")
        await self.client.cancel_import(import_id)

    # -- schedule ----------------------------------------------------------------------------------------
    async def get_schedule(self, deployment: DeploymentRef) -> Schedule | None:
        return schedules_runner.read(self.store, self.key(deployment))

    async def set_schedule(self, deployment: DeploymentRef, schedule: Schedule) -> Schedule:
        self._writable(deployment, "change the backup schedule of")
        return schedules_runner.write(self.store, self.key(deployment), schedule, deployment)

    async def disable_schedule(self, deployment: DeploymentRef) -> None:
        self._writable(deployment, "change the backup schedule of")
        self.store.write_schedule(self.key(deployment), None)

    # -- environment variables -------------------------------------------------------------------------------
    async def env_live(self, deployment: DeploymentRef) -> EnvSnapshot:
        return await env_ops.live(self.client, deployment.name)

    async def env_save(self, deployment: DeploymentRef, *, reason: str = "manual") -> EnvSnapshot:
        return await env_ops.save(self.client, self.env_store, deployment.name, reason=reason)

    async def env_saved(self, deployment: DeploymentRef) -> list[EnvSnapshot]:
        return self.env_store.list(deployment.name)

    async def env_diff(self, deployment: DeploymentRef, saved_id: str) -> EnvDiff:
        saved = self.env_store.find(deployment.name, saved_id)
        return env_ops.diff(await self.client.list_env(), saved)

    async def env_restore(self, deployment: DeploymentRef, saved_id: str, *, keep_extra: bool = False) -> EnvDiff:
        self._writable(deployment, "change the environment variables of")
        return await env_ops.restore(self.client, self.env_store, deployment.name, saved_id, keep_extra=keep_extra)

    # -- pausing ---------------------------------------------------------------------------------------------
    async def deployment_state(self, deployment: DeploymentRef) -> DeploymentState:
        return await pausing.read_state(self.client)

    async def pause_deployment(self, deployment: DeploymentRef) -> DeploymentState:
        self._writable(deployment, "pause")
        return await pausing.pause(self.client)

    async def unpause_deployment(self, deployment: DeploymentRef) -> DeploymentState:
        self._writable(deployment, "unpause")
        return await pausing.unpause(self.client)


def self_hosted_target(
    url: str,
    admin_key: str | Secret,
    homes: Homes,
    *,
    name: str | None = None,
    read_only: Callable[[str], bool] = lambda name: False,
    source: str = "",
    use_sync: bool = True,
    downloader: Downloader | None = None,
) -> SelfHostedTarget:
    client = DeploymentClient(url, admin_key, name=name)
    return SelfHostedTarget(
        client,
        LocalStore(homes.store_dir),
        EnvStore(homes.env_dir),
        name=name,
        read_only=read_only,
        source=source,
        use_sync=use_sync,
        downloader=downloader,
    )


async def open_self_hosted(spec: TargetSpec, homes: Homes, *, use_sync: bool = True) -> SelfHostedTarget:
    """From a `TargetSpec` of kind selfHosted (see `tui.services.config.open_target`)."""
    if not spec.url or spec.admin_key is None:
        raise ConfigError(f"The self-hosted target from {spec.source} needs a URL and an admin key.", code="BadTarget")
    return self_hosted_target(
        spec.url,
        spec.admin_key,
        homes,
        name=spec.deployment,
        read_only=spec.is_read_only,
        source=spec.source,
        use_sync=use_sync,
    )
