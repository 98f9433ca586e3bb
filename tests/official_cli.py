"""The official `convex` npm CLI, installed once per machine into a cache folder and run against the sandbox."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CONVEX_VERSION = "1.48.0"  # the version tests/cli/ and tests/conformance/ hold the sandbox to (tui/README.md)
CACHE = Path(os.environ.get("CONVEX_BACKUPS_TEST_CACHE", Path.home() / ".cache" / "convex-backups-tests"))
# Variables that would steer the CLI elsewhere or change its output (agent detection prints names only).
_SCRUB = (
    "CONVEX_DEPLOYMENT",
    "CONVEX_DEPLOY_KEY",
    "CONVEX_DEPLOYMENT_TOKEN",
    "CONVEX_OVERRIDE_ACCESS_TOKEN",
    "CONVEX_PROVISION_HOST",
    "CLAUDECODE",
    "AI_AGENT",
    "CONVEX_AGENT_MODE",
    "CURSOR_AGENT",
    "CODEX_SANDBOX",
)


@contextlib.contextmanager
def install_lock() -> Iterator[None]:
    """One installer at a time across processes: xdist workers (`-n auto`) share the cache folder, and two
    npm installs into one prefix can leave a broken tree."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def npm_install(prefix: Path, package: str, marker: Path) -> None:
    """`npm install package` into `prefix` (the tests' cache) unless `marker`, a file it installs, is there."""
    with install_lock():
        if marker.exists():
            return
        prefix.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", str(prefix), package],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode != 0 or not marker.exists():
            pytest.fail(f"npm could not install {package}:\n{result.stderr[-2000:]}")


def install_cli() -> Path:
    """node_modules holding the CLI; installs it with npm on first use. Skips, saying why, without Node."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip(
            "Node.js and npm are not installed, so the official convex CLI cannot run (apt-get install nodejs npm)"
        )
    prefix = CACHE / f"convex-{CONVEX_VERSION}"
    binary = prefix / "node_modules" / "convex" / "bin" / "main.js"
    npm_install(prefix, f"convex@{CONVEX_VERSION}", binary)
    return prefix / "node_modules"


@dataclass
class OfficialCli:
    """A scratch project folder (package.json listing convex) from which the CLI is run."""

    project: Path
    url: str
    admin_key: str

    @classmethod
    def create(cls, tmp: Path, url: str, admin_key: str) -> OfficialCli:
        node_modules = install_cli()
        project = tmp / "app"
        project.mkdir(parents=True, exist_ok=True)
        (project / "package.json").write_text(
            '{"name": "cli-compat", "private": true, "dependencies": {"convex": "%s"}}\n' % CONVEX_VERSION
        )
        link = project / "node_modules"
        if not link.exists():
            link.symlink_to(node_modules, target_is_directory=True)
        return cls(project, url, admin_key)

    def run(self, *args: str, input: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
        env.update(CI="1", CONVEX_SELF_HOSTED_URL=self.url, CONVEX_SELF_HOSTED_ADMIN_KEY=self.admin_key)
        return subprocess.run(
            ["node", str(self.project / "node_modules" / "convex" / "bin" / "main.js"), *args],
            cwd=self.project,
            env=env,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def ok(self, *args: str, **kwargs) -> str:
        result = self.run(*args, **kwargs)
        assert result.returncode == 0, (
            f"npx convex {' '.join(args)} exited {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
        return result.stdout + result.stderr
