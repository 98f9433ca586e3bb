"""Retention: expired backups (expirationTime passed) and deleted ones lose their ZIP.

They vanish from the API the moment they expire (a query filter, cloud_backups.VISIBLE); this purge
deletes the bytes, on start, on a timer aimed at the next expiry, after a delete and after every clock
change. A deleted backup's export also gets its expiration set to now, as Convex does.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from tui.emulator.exports import state as exports
from tui.emulator.errors import ConvexError
from tui.emulator.platform.wake_loop import WakeLoop

if TYPE_CHECKING:
    from tui.emulator.platform.service import Platform


class Retention(WakeLoop):
    name = "platform-retention"

    def __init__(self, platform: Platform):
        super().__init__(platform)
        self._purge_lock = threading.Lock()

    def work(self) -> None:
        self.purge_now()

    def next_due_ms(self) -> int | None:
        row = self.platform.store.one(
            "SELECT MIN(expiration_time) FROM cloud_backups WHERE purged = 0 AND deleted_time IS NULL "
            "AND state IN ('complete', 'failed', 'canceled')"
        )
        return None if row is None else row[0]

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
