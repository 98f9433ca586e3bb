"""SVG snapshots of step 3 (push code) at 80x24 and 120x40 on the sandbox: before the run (the sandbox says
it runs no code; the install and the push it will run) and after a rehearsal (the log of the four stages
and the sandbox's answer, the step REHEARSED). The project is the tiny app of fixtures/tiny_project with
fixed commit ids; `npm`, `npx` and `node` are stand-ins printing what the real ones print (the real run is
tests/emergency/test_code_push_rehearsal.py), so the pictures do not depend on this machine or the network.
Review the report before updating (`--snapshot-update`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui_snapshots"))

from emergency_support import HostApp, shown_table  # noqa: E402
from fixed_target import NOW, FixedTarget  # noqa: E402
from snapshot_checklist import fixed_checklist  # noqa: E402
from tiny_project import tiny_project  # noqa: E402

from tui.api.deployment.client import DeploymentClient  # noqa: E402
from tui.screens.emergency.screen import EmergencyScreen  # noqa: E402
from tui.services.checklist.state import ChecklistStore  # noqa: E402
from tui.services.records import TargetInfo  # noqa: E402

# What `npx convex deploy` 1.48.0 printed against the sandbox (tests/emergency/test_code_push_rehearsal.py).
CLI_ANSWER = """\
▌ Deploying code to deployment:
▌ └─ http://127.0.0.1:3210
- Deploying to http://127.0.0.1:3210...
✖ Error: Unable to start push to http://127.0.0.1:3210
✖ Error fetching POST  http://127.0.0.1:3210/api/deploy2/evaluate_push 400 Bad Request: SandboxRunsNoCode: \
The sandbox deployment brave-marmot-193 received this push (77,993 bytes of bundled code and configuration) but \
runs no code, so nothing was deployed and its functions are unchanged. This was a rehearsal: push to a Convex \
Cloud or self-hosted deployment to deploy.
"""
STAND_INS = {
    "node": "exit 0",
    "npm": "echo 'added 5 packages in 2s'",
    "npx": "cat <<'EOF' >&2\n" + CLI_ANSWER + "EOF\nexit 1",
}


class SandboxFixedTarget(FixedTarget):
    """The snapshot world as the sandbox; its deployment's client is never called in a rehearsal."""

    client = DeploymentClient("http://127.0.0.1:3210", "stand-in-admin-key", name="brave-marmot-193")
    has_data_api = True

    async def deployment_client(self, deployment):
        return self.client

    async def info(self):
        return TargetInfo("sandbox", "local sandbox")

    async def get_deployment(self, name):
        return next(d for d in await self.list_deployments() if d.name == name)


@pytest.fixture
def machine(tmp_path, monkeypatch):
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    for name, body in STAND_INS.items():
        script = bin_folder / name
        script.write_text(f"#!/bin/sh\n{body}\n")
        script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_folder}{os.pathsep}/usr/bin{os.pathsep}/bin")
    monkeypatch.setenv("TZ", "UTC")
    project = tiny_project(tmp_path)
    monkeypatch.chdir(tmp_path)  # the panel names the project from here: "app"
    return project


def make_app(tmp_path, project) -> HostApp:
    store = ChecklistStore(tmp_path / "checklists")
    return HostApp(
        lambda: EmergencyScreen(
            SandboxFixedTarget(),
            store,
            "brave-marmot-193",
            checklist=fixed_checklist(store),
            project=project,
            clock=lambda: NOW,
            incidents=tmp_path / "incidents",
        )
    )


def run(*keys: str, rehearse: bool = False):
    async def before(pilot):
        screen = pilot.app.screen_under_test
        for _ in range(100):
            await pilot.pause(0.05)
            if screen.mode == "steps" and shown_table(screen).row_count:
                break
        if rehearse:
            await pilot.press("g", *"brave-marmot-193", "enter")
            for _ in range(400):
                await pilot.pause(0.05)
                if screen.checklist.steps[3].status == "rehearsed":
                    break
        await pilot.press(*keys)
        await pilot.pause(0.6)

    return before


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name,rehearse", [("before", False), ("rehearsed", True)])
def test_step3_snapshot(snap_compare, tmp_path, machine, name, rehearse, size):
    assert snap_compare(make_app(tmp_path, machine), terminal_size=size, run_before=run(rehearse=rehearse))
