"""One emulated deployment: its storage, keys, workers and change feed, under one folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from tui.emulator.deployment.auth import AdminIdentity, KeyRing, authenticate
from tui.emulator.deployment.change_feed import ChangeFeed
from tui.emulator.clock import Clock
from tui.emulator.deployment.database import Database
from tui.emulator.exports.worker import ExportWorker
from tui.emulator.imports.worker import ImportWorker
from tui.emulator.deployment.tables import purge_dropped
from tui.emulator.throttle import Throttle

DB_FILE = "deployment.sqlite3"
KEYS_FILE = "keys.json"


@dataclass(frozen=True)
class PlatformIdentity(AdminIdentity):
    """An admin identity vouched for by the platform: an access token or the dashboard's instance
    credential sent as `Convex <token>`, as Convex Cloud accepts them."""


class PlatformLink(Protocol):
    """What a deployment served by the emulated platform asks it (set as `Deployment.platform`)."""

    def identify(self, key: str) -> PlatformIdentity | None: ...

    def deployment_info(self) -> dict[str, Any]: ...


class DeploymentKeys(KeyRing):
    """The deployment's admin and restricted keys; on a platform-served deployment also the platform's
    tokens, so every route and the sync WebSocket accept them as Convex Cloud does."""

    platform: PlatformLink | None = None  # not a dataclass field: set at run time, never saved

    def identify(self, key: str) -> AdminIdentity | None:
        identity = super().identify(key)
        if identity is None and self.platform is not None:
            identity = self.platform.identify(key.strip())
        return identity


class Deployment:
    """Folder layout: deployment.sqlite3 (data + system tables), keys.json (0600), exports/, imports/."""

    def __init__(
        self,
        folder: Path,
        name: str,
        *,
        clock: Clock | None = None,
        throttle: Throttle | None = None,
        kind: str = "selfHosted",
    ):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)  # data, keys and environment variable values live here
        self.name = name
        self.kind = kind
        self.clock = clock or Clock()
        self.throttle = throttle or Throttle()
        self.keys = DeploymentKeys.load_or_create(self.folder / KEYS_FILE, name)
        self.db = Database(self.folder / DB_FILE, self.clock)
        self.changes = ChangeFeed()
        self.db.add_commit_listener(self.changes.bump)
        self.export_worker = ExportWorker(self.db, self.folder / "exports", name, self.throttle)
        self.import_worker = ImportWorker(self.db, self.folder / "imports", self.throttle, self.clock)
        self.url: str | None = None

    def __repr__(self) -> str:
        return f"Deployment(name={self.name!r}, folder={str(self.folder)!r})"

    @property
    def admin_key(self) -> str:
        return self.keys.admin_key

    def authenticate(self, authorization: str | None, admin_key_param: str | None) -> AdminIdentity:
        return authenticate(self.keys, authorization, admin_key_param)

    @property
    def platform(self) -> PlatformLink | None:
        """The emulated platform serving this deployment, if any (it vouches for platform tokens)."""
        return self.keys.platform

    @platform.setter
    def platform(self, link: PlatformLink | None) -> None:
        self.keys.platform = link

    def start(self) -> None:
        """Recover from a previous run (drop half-built import tablets, purge), then start workers."""
        self.import_worker.recover()
        purge_dropped(self.db)
        self.export_worker.start()
        self.import_worker.start()

    def stop(self) -> None:
        self.export_worker.stop()
        self.import_worker.stop()
        self.db.close()
