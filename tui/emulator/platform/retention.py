"""Retention: expired backups (expirationTime passed) and deleted ones lose their ZIP.

They vanish from the API the moment they expire (a query filter, cloud_backups.VISIBLE); this purge
deletes the bytes, on start, on a timer aimed at the next expiry, after a delete and after every clock
change. A deleted backup's export also gets its expiration set to now, as Convex does.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from tui.emulator import exports
from tui.emulator.errors import ConvexError

if TYPE_CHECKING:
    from tui.emulator.platform.service import Platform

log = logging.getLogger(__name__)
MAX_SLEEP_S = 60.0


class Retention:
    def __init__(self, platform: Platform):
        self.platform = platform
        self._purge_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="platform-retention", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.purge_now()
            except Exception:
                log.exception("retention error; retrying")
            self._wake.wait(self._sleep_s())
            self._wake.clear()

    def _sleep_s(self) -> float:
        row = self.platform.store.one(
            "SELECT MIN(expiration_time) FROM cloud_backups WHERE purged = 0 AND deleted_time IS NULL "
            "AND state IN ('complete', 'failed', 'canceled')"
        )
        if row is None or row[0] is None:
            return MAX_SLEEP_S
        return min(MAX_SLEEP_S, max(0.05, (row[0] - self.platform.clock.now_ms()) / 1000 + 0.01))

    def purge_now(self) -> int:
        """Purge every deleted or expired backup not purged yet; returns how many."""
        platform = self.platform
        with self._purge_lock:
            now = platform.clock.now_ms()
            rows = platform.store.all(
                "SELECT b.*, d.name AS deployment_name FROM cloud_backups b JOIN deployments d "
                "ON d.id = b.deployment_id WHERE b.purged = 0 AND (b.deleted_time IS NOT NULL OR "
                "(b.state IN ('complete', 'failed', 'canceled') AND b.expiration_time <= ?))",
                (now,),
            )
            for row in rows:
                deployment = platform.deployments.get(row["deployment_name"])
                if deployment is None:
                    continue  # not served now: purged when it is
                if row["snapshot_id"]:
                    self._purge_export(deployment, row["snapshot_id"], deleted=row["deleted_time"] is not None)
                with platform.store.write() as conn:
                    conn.execute("UPDATE cloud_backups SET purged = 1 WHERE id = ?", (row["id"],))
            return len(rows)

    def _purge_export(self, deployment, export_id: str, *, deleted: bool) -> None:
        export = exports.get(deployment.db.connection(), export_id)
        if export is None or export["state"] != "completed":
            return
        now_ns = self.platform.clock.now_ns()
        if deleted and export["expiration_ts"] > now_ns:
            try:
                export = exports.set_expiration(deployment.db, export_id, now_ns)
            except ConvexError:
                pass
        deployment.export_worker.zip_path(export).unlink(missing_ok=True)
