"""The official `convex` CLI (npm, v1.48.0) in its Cloud mode against the emulated platform: it finds
the deployment through big brain (CONVEX_PROVISION_HOST, CONVEX_OVERRIDE_ACCESS_TOKEN, CONVEX_DEPLOYMENT)
and then exports, sets environment variables and imports with the credential big brain handed out."""

from __future__ import annotations

import os
import subprocess
import zipfile

import pytest
from official_cli import _SCRUB, install_cli
from platform_support import Api, start_world

pytestmark = pytest.mark.cli


def test_cloud_mode_export_env_and_import(tmp_path):
    node_modules = install_cli()
    project = tmp_path / "app"
    project.mkdir()
    (project / "package.json").write_text(
        '{"name": "cloud-mode", "private": true, "dependencies": {"convex": "1.48.0"}}\n'
    )
    (project / "node_modules").symlink_to(node_modules, target_is_directory=True)
    sandbox = start_world(tmp_path / "sandbox", clock=None)
    try:
        api = Api(sandbox)
        api.deployment("acme-dev-202").add("items", [{"n": i} for i in range(25)])
        api.close()
        env = {k: v for k, v in os.environ.items() if k not in _SCRUB and not k.startswith("CONVEX_SELF_HOSTED")}
        env.update(sandbox.platform_credentials(), CI="1", CONVEX_DEPLOYMENT="dev:acme-dev-202", HOME=str(tmp_path))

        def cli(*args: str) -> str:
            result = subprocess.run(
                ["node", str(project / "node_modules" / "convex" / "bin" / "main.js"), *args],
                cwd=project,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert result.returncode == 0, f"convex {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
            return result.stdout + result.stderr

        cli("export", "--path", str(tmp_path / "out.zip"))
        with zipfile.ZipFile(tmp_path / "out.zip") as archive:
            assert len(archive.read("items/documents.jsonl").splitlines()) == 25
        assert "acme-dev-202" in cli("env", "set", "GREETING", "hello")
        assert "GREETING=hello" in cli("env", "list")
        cli("import", "--replace-all", "-y", str(tmp_path / "out.zip"))
    finally:
        sandbox.stop()
