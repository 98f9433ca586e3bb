"""Moves cloud backups along as their exports do, woken by the source deployment's commits.

Every commit on a deployment pokes the tracker (a set insert and an event, nothing more); it then
syncs only deployments that have a requested or in-progress backup. A slow safety tick (and every
clock change) also checks for backups past BACKUP_TIMEOUT_MS.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from tui.emulator.exports import state as exports
from tui.emulator.errors import ConvexError
from tui.emulator.platform import directory
from tui.emulator.platform.backups import cloud_backups

if TYPE_CHECKING:
    from tui.emulator.deployment.deployment import Deployment
    from tui.emulator.platform.service import Platform

log = logging.getLogger(__name__)
SAFETY_TICK_S = 30.0
COALESCE_S = 0.02  # commits arriving together (traffic) are handled in one pass


class BackupTracker:
    def __init__(self, platform: Platform):
        self.platform = platform
        self._dirty: set[str] = set()
        self._everything = True  # the first pass (at start) looks at every pending backup
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="platform-backups", daemon=True)

    # -- wiring ------------------------------------------------------------------------------------
    def attach(self, deployment: Deployment) -> None:
        name = deployment.name
        deployment.db.add_commit_listener(lambda _ts: self.poke(name))

    def poke(self, name: str | None = None) -> None:
        """Something changed on deployment `name` (None: look at everything, e.g. the clock moved)."""
        with self._lock:
            if name is None:
                self._everything = True
            else:
                self._dirty.add(name)
        self._wake.set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    # -- the loop ----------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            woken = self._wake.wait(SAFETY_TICK_S)
            self._wake.clear()
            if self._stop.is_set():
                return
            with self._lock:
                dirty, everything = self._dirty, self._everything or not woken
                self._dirty, self._everything = set(), False
            try:
                self.sync_pending(None if everything else dirty)
            except Exception:
                log.exception("backup tracker error; retrying")
                self._stop.wait(1.0)
            self._stop.wait(COALESCE_S)

    def sync_pending(self, names: set[str] | None = None) -> None:
        """Sync every deployment with a pending backup (only those in `names`, when given)."""
        rows = self.platform.store.all(
            "SELECT DISTINCT d.name FROM cloud_backups b JOIN deployments d ON d.id = b.deployment_id "
            "WHERE b.state IN ('requested', 'inProgress')"
        )
        for (name,) in rows:
            if names is None or name in names:
                self.sync(name)

    def sync(self, name: str) -> None:
        platform = self.platform
        with platform.lock:
            row = directory.deployment_by_name(platform.store.conn(), name)
            if row is None:
                return
            for backup in cloud_backups.pending(platform.store.conn(), row["id"]):
                self._advance(backup, platform.deployments.get(name))

    def recover(self) -> None:
        """At start, before the loop: move every pending backup along (claiming exports a crash left
        unrecorded), then cancel cloud-backup exports that no backup claims any more (a crash between
        a backup's cancel and its export's), so they do not hold the deployment's export slot."""
        self.sync_pending()
        with self.platform.lock:
            claimed = {
                r[0]
                for r in self.platform.store.all("SELECT snapshot_id FROM cloud_backups WHERE snapshot_id IS NOT NULL")
            }
            for deployment in self.platform.deployments.values():
                for export in exports.pending(deployment.db.connection()):
                    if export["requestor"] == exports.CLOUD_BACKUP and export["_id"] not in claimed:
                        self._cancel_export(deployment, export["_id"])

    # -- one backup --------------------------------------------------------------------------------
    def _advance(self, backup: dict[str, Any], deployment: Deployment | None) -> None:
        now = self.platform.clock.now_ms()
        if now - backup["requested_time"] > cloud_backups.BACKUP_TIMEOUT_MS:
            self._fail(backup, deployment, "The backup did not complete within a day of its request.")
            return
        if deployment is None:
            return  # its deployment is not being served right now
        if backup["state"] == "requested":
            export = self._claim_orphan(backup, deployment) or self._request_export(backup, deployment)
            if export is None:
                return  # the export slot is busy: wait in `requested`
            with self.platform.store.write() as conn:
                moved = cloud_backups.set_state(
                    conn, backup["id"], "inProgress", expect=("requested",), snapshot_id=export["_id"]
                )
            if not moved:
                self._cancel_export(deployment, export["_id"])
                return
            deployment.export_worker.notify()
            backup = {**backup, "state": "inProgress", "snapshot_id": export["_id"]}
        self._mirror(backup, deployment)

    def _claim_orphan(self, backup: dict[str, Any], deployment: Deployment) -> dict[str, Any] | None:
        """An export this backup asked for before a crash kept it from recording the export's id."""
        claimed = {
            r[0]
            for r in self.platform.store.all(
                "SELECT snapshot_id FROM cloud_backups WHERE deployment_id = ? AND snapshot_id IS NOT NULL",
                (backup["deployment_id"],),
            )
        }
        for export in exports.all_exports(deployment.db.connection()):
            if (
                export["requestor"] == exports.CLOUD_BACKUP
                and export["_id"] not in claimed
                and export["_creationTime"] >= backup["requested_time"]
            ):
                return export
        return None

    def _request_export(self, backup: dict[str, Any], deployment: Deployment) -> dict[str, Any] | None:
        try:
            return exports.request(
                deployment.db,
                include_storage=bool(backup["include_storage"]),
                requestor=exports.CLOUD_BACKUP,
                expiration_ts=backup["expiration_time"] * 1_000_000,
            )
        except ConvexError as exc:
            if exc.code != "ExportInProgress":
                self._fail(backup, deployment, exc.message)
            return None

    def _mirror(self, backup: dict[str, Any], deployment: Deployment) -> None:
        export = exports.get(deployment.db.connection(), backup["snapshot_id"])
        if export is None:
            self._fail(backup, deployment, "The backup's export no longer exists on the deployment.")
            return
        state = export["state"]
        with self.platform.store.write() as conn:
            if state == "completed":
                cloud_backups.set_state(
                    conn,
                    backup["id"],
                    "complete",
                    expect=("inProgress",),
                    completed_time=export["complete_ts"] // 1_000_000,
                )
            elif state == "canceled":
                cloud_backups.set_state(conn, backup["id"], "canceled", expect=("inProgress",))
            elif state == "failed":
                cloud_backups.set_state(
                    conn, backup["id"], "failed", expect=("inProgress",), failure="The deployment's export failed."
                )

    def _fail(self, backup: dict[str, Any], deployment: Deployment | None, reason: str) -> None:
        if deployment is not None and backup["snapshot_id"]:
            self._cancel_export(deployment, backup["snapshot_id"])
        with self.platform.store.write() as conn:
            cloud_backups.set_state(conn, backup["id"], "failed", expect=cloud_backups.PENDING, failure=reason)

    @staticmethod
    def _cancel_export(deployment: Deployment, export_id: str) -> None:
        export = exports.get(deployment.db.connection(), export_id)
        if export is not None and export["state"] in exports.PENDING:
            try:
                exports.cancel(deployment.db, export_id)
            except ConvexError:
                pass  # it finished meanwhile
