"""Installing the real clients the conformance suite drives, each from its own registry, once per machine
into the tests' cache folder (as `official_cli.py` does for the CLI): the `convex` npm package (its CLI and
`convex/browser`), `@convex-dev/platform` from npm, and the official Python client `convex` from PyPI.

Node-based clients skip, saying why, only where Node.js or npm is absent; a failed install fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from official_cli import CACHE, CONVEX_VERSION, install_cli, install_lock, npm_install

PLATFORM_VERSION = "0.1.10"  # @convex-dev/platform on npm
PYTHON_CLIENT_VERSION = "0.8.1"  # `convex` on PyPI: the Rust client behind a Python API
HERE = Path(__file__).parent


def require_node() -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js and npm are not installed, so the npm clients cannot run (apt-get install nodejs npm)")


def convex_npm() -> Path:
    """node_modules holding `convex@CONVEX_VERSION` (the CLI and `convex/browser`)."""
    require_node()
    return install_cli()


def platform_npm() -> Path:
    """node_modules holding `@convex-dev/platform@PLATFORM_VERSION`."""
    require_node()
    prefix = CACHE / f"convex-dev-platform-{PLATFORM_VERSION}"
    marker = prefix / "node_modules" / "@convex-dev" / "platform" / "package.json"
    npm_install(prefix, f"@convex-dev/platform@{PLATFORM_VERSION}", marker)
    return prefix / "node_modules"


def python_client() -> Path:
    """A folder holding the `convex` package from PyPI (pip --target), for PYTHONPATH."""
    target = CACHE / f"pypi-convex-{PYTHON_CLIENT_VERSION}"
    marker = target / "convex" / "__init__.py"
    with install_lock():
        if not marker.exists():
            partial = target.with_name(target.name + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "--no-input",
                    "--target",
                    str(partial),
                    f"convex=={PYTHON_CLIENT_VERSION}",
                ],
                capture_output=True,
                text=True,
                timeout=600,
            )
            if result.returncode != 0:
                pytest.fail(
                    f"pip could not install convex=={PYTHON_CLIENT_VERSION} from PyPI:\n{result.stderr[-2000:]}"
                )
            shutil.rmtree(target, ignore_errors=True)
            os.replace(partial, target)
    return target


def node_project(folder: Path, node_modules: Path) -> Path:
    """A scratch folder whose node_modules is the cached install (scripts there import the packages)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "package.json").write_text('{"name": "conformance", "private": true, "type": "module"}\n')
    link = folder / "node_modules"
    if not link.exists():
        link.symlink_to(node_modules, target_is_directory=True)
    return folder


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that would steer a Convex client elsewhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVEX_")}
    env.update(extra)
    return env


def run_node(
    folder: Path, script: str, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess:
    """Run `script` (a file in this folder) with node from `folder`; the result's stdout is its report."""
    shutil.copy(HERE / script, folder / script)
    return subprocess.run(
        ["node", script, *args], cwd=folder, env=env or clean_env(), capture_output=True, text=True, timeout=timeout
    )


__all__ = [
    "CONVEX_VERSION",
    "PLATFORM_VERSION",
    "PYTHON_CLIENT_VERSION",
    "clean_env",
    "convex_npm",
    "node_project",
    "platform_npm",
    "python_client",
    "require_node",
    "run_node",
]
