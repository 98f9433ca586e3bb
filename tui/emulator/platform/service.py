"""The emulated platform as one object: its store, clock, served deployments and background workers.

Life cycle (driven by SandboxRuntime):
    platform = Platform(root, clock_spec=...)   # opens platform.sqlite3, makes the clock
    platform.prepare(seed=...)                  # default world, adoption, demo directory, tokens
    platform.attach(deployment) for each row    # hooks: platform tokens, deployment_info, commit pokes
    platform.start()                            # purge, resume state machines, start the workers
    ...
    platform.stop()
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path

from tui.emulator.deployment.deployment import Deployment
from tui.emulator.platform import bootstrap, clock_control, directory
from tui.emulator.platform.access import tokens
from tui.emulator.platform.link import DeploymentLink
from tui.emulator.platform.refusals import Refusals
from tui.emulator.platform.backups.retention import Retention
from tui.emulator.platform.backups.scheduler import Scheduler
from tui.emulator.platform.store import DEFAULT_PORT, PORT_META, PlatformStore
from tui.emulator.platform.backups.tracker import BackupTracker
from tui.emulator.sandbox.folder import SandboxFolder


class Platform:
    def __init__(self, root: Path, *, clock_spec: str | None = None):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.folder = SandboxFolder(self.root)
        self.store = PlatformStore(self.root)
        self.clock = clock_control.make_clock(clock_spec, self.store)
        self.manual_clock = clock_spec not in (None, "", "real")
        self.lock = threading.RLock()  # serialises backup state changes (API, tracker, scheduler)
        self.deployments: dict[str, Deployment] = {}
        self.tracker = BackupTracker(self)
        self.scheduler = Scheduler(self)
        self.retention = Retention(self)
        self.refusals = Refusals()  # test switches; nothing refused unless a test asks
        self.url: str | None = None
        self._started = False

    def __repr__(self) -> str:
        return f"Platform(root={str(self.root)!r}, deployments={len(self.deployments)})"

    # -- set-up -------------------------------------------------------------------------------------
    def prepare(self, *, seed: str | None = None) -> None:
        if seed == "demo":
            from tui.emulator.platform import seed as demo

            demo.seed_directory(self)
        elif seed not in (None, ""):
            raise ValueError(f"unknown seed {seed!r} (known: demo)")
        bootstrap.ensure_deployments(self.store, self.folder, self.clock)
        bootstrap.ensure_tokens(self.store, self.root, self.clock)

    def deployment_names(self) -> list[str]:
        return [row["name"] for row in directory.all_deployments(self.store.conn())]

    def attach(self, deployment: Deployment) -> None:
        deployment.platform = DeploymentLink(self, deployment.name)
        self.deployments[deployment.name] = deployment
        self.tracker.attach(deployment)

    @functools.cached_property
    def credential_key(self) -> bytes:
        """The secret instance credentials are minted with (`tokens.credential_key`)."""
        return tokens.credential_key(self.root)

    @property
    def remembered_port(self) -> int:
        value = self.store.get_meta(PORT_META)
        return int(value) if value else DEFAULT_PORT

    def serving_at(self, url: str, port: int) -> None:
        self.url = url
        with self.store.write() as conn:
            self.store.set_meta(conn, PORT_META, str(port))

    # -- running ------------------------------------------------------------------------------------
    def start(self) -> None:
        """Catch up first (purge, resume backups, fire a missed schedule once), then run the workers."""
        self.retention.purge_now()
        self.tracker.recover()
        self.scheduler.run_due()
        self.tracker.start()
        self.scheduler.start()
        self.retention.start()
        self._started = True

    def stop_workers(self) -> None:
        """Stop the scheduler, tracker and retention (before the deployments they use stop)."""
        if self._started:
            self.scheduler.stop()
            self.tracker.stop()
            self.retention.stop()
            self._started = False

    def stop(self) -> None:
        self.stop_workers()
        self.store.close()

    def url_of(self, name: str) -> str:
        deployment = self.deployments.get(name)
        if deployment is not None and deployment.url:
            return deployment.url
        return self.folder.url(name)

    def after_clock_change(self) -> None:
        """Everything that depends on time catches up before the clock route answers."""
        clock_control.remember(self.clock, self.store)
        self.scheduler.run_due()
        self.retention.purge_now()
        self.tracker.sync_pending()
        self.scheduler.notify()
        self.retention.notify()
        for deployment in self.deployments.values():
            deployment.export_worker.notify()
            deployment.import_worker.notify()
