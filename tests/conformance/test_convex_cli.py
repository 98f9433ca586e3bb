"""Real client: the official `convex` CLI (npm, v1.48.0), run by node against the sandbox in both of its
modes: self-hosted (CONVEX_SELF_HOSTED_URL + admin key) and Cloud (CONVEX_PROVISION_HOST, a login token
and CONVEX_DEPLOYMENT, the credential then handed out by the platform). In each: env set/list/remove,
export, import (replace-all) and data (tables, then documents)."""

from __future__ import annotations

import os
import subprocess
import zipfile
from pathlib import Path

import pytest
from official_cli import _SCRUB
from real_clients import CONVEX_VERSION, convex_npm

pytestmark = pytest.mark.cli


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "app"
    project.mkdir()
    (project / "package.json").write_text(
        '{"name": "conformance-cli", "private": true, "dependencies": {"convex": "%s"}}\n' % CONVEX_VERSION
    )
    (project / "node_modules").symlink_to(convex_npm(), target_is_directory=True)
    return project


def _runner(project: Path, env: dict[str, str]):
    def cli(*args: str) -> str:
        result = subprocess.run(
            ["node", str(project / "node_modules" / "convex" / "bin" / "main.js"), *args],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, f"convex {' '.join(args)}:\n{result.stdout}\n{result.stderr[-3000:]}"
        return result.stdout + result.stderr

    return cli


def _round_trip(cli, world, tmp_path: Path, table: str, mode: str) -> None:
    add = world.client(world.key).post(
        "/api/mutation",
        json={
            "path": "_system/frontend/addDocument",
            "args": {"table": table, "documents": [{"n": i, "mode": mode} for i in range(12)]},
        },
    )
    assert add.json()["status"] == "success"

    cli("env", "set", f"CONFORMANCE_{mode.upper()}", "yes")
    assert f"CONFORMANCE_{mode.upper()}=yes" in cli("env", "list")
    cli("env", "remove", f"CONFORMANCE_{mode.upper()}")
    assert f"CONFORMANCE_{mode.upper()}" not in cli("env", "list")

    exported = tmp_path / f"{mode}.zip"
    cli("export", "--path", str(exported))
    with zipfile.ZipFile(exported) as archive:
        assert len(archive.read(f"{table}/documents.jsonl").splitlines()) == 12

    cli("import", "--replace-all", "-y", str(exported))
    tables = cli("data")
    assert table in tables
    documents = cli("data", table, "--limit", "100")
    assert documents.count(mode) >= 12, documents  # every imported document, its `mode` field shown


def test_self_hosted_mode(world, tmp_path):
    project = _project(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env.update(CI="1", HOME=str(tmp_path), CONVEX_SELF_HOSTED_URL=world.url, CONVEX_SELF_HOSTED_ADMIN_KEY=world.key)
    _round_trip(_runner(project, env), world, tmp_path, "cli_self_hosted", "selfhosted")


def test_cloud_mode(world, tmp_path):
    project = _project(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB and not k.startswith("CONVEX_SELF_HOSTED")}
    env.update(world.platform_credentials(), CI="1", HOME=str(tmp_path), CONVEX_DEPLOYMENT=f"prod:{world.name}")
    _round_trip(_runner(project, env), world, tmp_path, "cli_cloud", "cloud")
