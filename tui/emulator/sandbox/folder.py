"""The sandbox's data folder: one sub-folder per deployment, each remembering its name and port."""

from __future__ import annotations

import os
from pathlib import Path

import orjson

from tui.emulator.deployment.auth import KeyRing
from tui.emulator.clock import Clock
from tui.emulator.deployment.deployment import KEYS_FILE, Deployment
from tui.emulator.deployment.names import deployment_name
from tui.emulator.throttle import Throttle

INFO_FILE = "deployment.json"
FIRST_PORT = 3210  # where Convex's own local deployments start


def default_data_dir() -> Path:
    """`$CONVEX_BACKUPS_HOME/data/sandbox`, else the platform's data folder."""
    home = os.environ.get("CONVEX_BACKUPS_HOME")
    if home:
        return Path(home) / "data" / "sandbox"
    import platformdirs

    return Path(platformdirs.user_data_dir("convex-backups")) / "sandbox"


class SandboxFolder:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.deployments_dir = self.root / "deployments"

    def deployment_names(self) -> list[str]:
        if not self.deployments_dir.is_dir():
            return []
        return sorted(p.name for p in self.deployments_dir.iterdir() if (p / INFO_FILE).is_file())

    def info(self, name: str) -> dict:
        return orjson.loads((self.deployments_dir / name / INFO_FILE).read_bytes())

    def save_info(self, name: str, info: dict) -> None:
        path = self.deployments_dir / name / INFO_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(orjson.dumps(info, option=orjson.OPT_INDENT_2))
        os.replace(tmp, path)

    def create_deployment(self, name: str | None = None, *, port: int | None = None) -> str:
        existing = set(self.deployment_names())
        while name is None or name in existing:
            name = deployment_name()
        folder = self.deployments_dir / name
        folder.mkdir(parents=True, exist_ok=True)
        if port is None:
            used = {self.info(n).get("port") for n in existing}
            port = next(p for p in range(FIRST_PORT, FIRST_PORT + 1000) if p not in used)
        self.save_info(name, {"name": name, "port": port})
        return name

    def open(self, name: str, *, clock: Clock | None = None, throttle: Throttle | None = None) -> Deployment:
        return Deployment(self.deployments_dir / name, name, clock=clock, throttle=throttle)

    def keys(self, name: str) -> KeyRing:
        return KeyRing.load_or_create(self.deployments_dir / name / KEYS_FILE, name)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.info(name)['port']}"
