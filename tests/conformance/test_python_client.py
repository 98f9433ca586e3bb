"""Real client: the official Python client, `convex` from PyPI (the Rust client behind a Python API), which
syncs over the unversioned `/api/sync` WebSocket. It connects, queries, runs a mutation that returns, and
reports a missing function's error, against the sandbox."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from real_clients import clean_env, python_client

pytestmark = pytest.mark.cli
SCRIPT = Path(__file__).with_name("python_client.py")


def test_python_client_connects_queries_and_its_mutation_returns(world):
    installed = python_client()
    env = clean_env(PYTHONPATH=str(installed))
    result = subprocess.run(
        [sys.executable, str(SCRIPT), world.url, world.key, "py_client_notes"],
        capture_output=True,
        text=True,
        env=env,
        timeout=90,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["finished"], f"a call never returned: {report}"
    assert (report["sizeBefore"], report["sizeAfter"]) == (0, 1)
    assert report["mutation"] == {"success": True}
    assert "Could not find public function for 'messages:list'" in report["missingQuery"]
    assert "Could not find public function for 'messages:send'" in report["missingMutation"]
    assert "Could not find public function for 'messages:notify'" in report["missingAction"]
    # Without the admin key, system functions are hidden exactly as missing ones are.
    assert "Could not find public function for '_system/cli/tableSize'" in report["anonymousSystemQuery"]
