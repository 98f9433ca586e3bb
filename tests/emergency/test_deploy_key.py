"""A profile's deploy command and deploy key for step 3 (push code): read from config.toml (mode 0600, masked
in repr), given to the deploy as CONVEX_DEPLOY_KEY instead of the admin credential, refused when the key
names another deployment, and never on screen, in the checklist file or in the incident log."""

from __future__ import annotations

import re
import stat
import subprocess
from types import SimpleNamespace

import pytest
from textual.app import App
from textual.widgets import Static

from emergency_support import wait_until, shown_table
from tiny_project import write_empty_lockfile

from tui.screens.emergency.open import open_emergency
from tui.screens.emergency.screen import EmergencyScreen
from tui.services.checklist import code_push
from tui.services.config.settings import ConfigError, load_config, parse_config

SECRET = "s3cr3t-deploy-key-material-0123456789"
COMMAND = "sh -c 'echo key-chars=${#CONVEX_DEPLOY_KEY}; echo admin=${CONVEX_SELF_HOSTED_ADMIN_KEY:-none}'"


def _profile_toml(deployment: str, key_for: str | None = None) -> dict:
    return {
        "profiles": {
            "ops": {
                "kind": "sandbox",
                "deploy_command": COMMAND,
                "deploy_key": f"prod:{key_for or deployment}|{SECRET}",
            }
        }
    }


def test_the_profile_holds_the_deploy_command_and_key_in_a_0600_file(homes):
    config = parse_config(_profile_toml("brave-marmot-193"))
    profile = config.profile("ops")
    assert profile.deploy_command == COMMAND and profile.deploy_key.reveal().endswith(SECRET)
    assert SECRET not in repr(profile) and SECRET not in repr(config)
    path = homes.config_file  # written by the operator, readable by others: the app tightens it
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'[profiles.ops]\nkind = "sandbox"\ndeploy_command = "{COMMAND}"\n'
        f'deploy_key = "prod:brave-marmot-193|{SECRET}"\n'
    )
    path.chmod(0o644)
    loaded = load_config(homes)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and loaded.warnings
    assert loaded.profile("ops") == profile and not any(SECRET in w for w in loaded.warnings)
    with pytest.raises(ConfigError, match="deploy_key"):
        parse_config({"profiles": {"ops": {"kind": "sandbox", "deploy_key": 12}}})


def test_a_deploy_key_for_another_deployment_is_refused_without_showing_it():
    env = code_push.push_environment(
        "brave-marmot-193",
        "http://x",
        "admin",
        f"prod:brave-marmot-193|{SECRET}",
        base={"CONVEX_DEPLOYMENT": "dev:other", "PATH": "/bin"},
    )
    assert env["CONVEX_DEPLOY_KEY"].endswith(SECRET) and "CONVEX_SELF_HOSTED_ADMIN_KEY" not in env
    assert "CONVEX_DEPLOYMENT" not in env
    with pytest.raises(ValueError) as refused:
        code_push.push_environment("brave-marmot-193", "http://x", "admin", f"prod:gentle-salmon-943|{SECRET}")
    assert "gentle-salmon-943" in str(refused.value) and SECRET not in str(refused.value)
    assert code_push.deploy_key_deployment(f"preview:acme:storefront|{SECRET}") is None  # names no deployment
    env = code_push.push_environment("brave-marmot-193", "http://x", "admin", None, base={})
    assert env == {"CONVEX_SELF_HOSTED_URL": "http://x", "CONVEX_SELF_HOSTED_ADMIN_KEY": "admin"}


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A tiny app folder with one tagged commit; the checklist finds it from the working directory."""
    folder = tmp_path / "app"
    (folder / "convex").mkdir(parents=True)
    (folder / "convex" / "messages.ts").write_text("export const v = 1;\n")
    write_empty_lockfile(folder)
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
        "PATH": "/usr/bin:/bin",
    }
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "known good"], ["tag", "v1"]):
        subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True, env=env)
    monkeypatch.chdir(folder)
    return folder


class ProfileHost(App):
    """Opens the checklist the way the app does (`open_emergency`), with a session whose profile is given."""

    def __init__(self, target, homes, config, deployment) -> None:
        super().__init__()
        self.target, self.config, self.deployment = target, config, deployment
        self.session = SimpleNamespace(homes=homes, spec=SimpleNamespace(profile=config.profile("ops")))

    def compose(self):
        yield Static("host app")

    def on_mount(self) -> None:
        open_emergency(self, self.target, self.deployment)


def _on_screen(screen) -> str:
    return "\n".join([str(screen.panel.query_one("#em-text").render()), *screen.panel.query_one("#em-log").lines])


async def _push(pilot, app, name):
    await wait_until(
        pilot, lambda: isinstance(app.screen, EmergencyScreen) and app.screen.mode == "steps", what="the checklist"
    )
    screen = app.screen
    await pilot.press("g", "s", *"rehearsal of the code push", "enter", "down", "down")
    assert screen.selected == 3
    table = shown_table(screen)
    await wait_until(pilot, lambda: table.display and table.row_count, what="the refs")
    await pilot.press("g", *name, "enter")
    await wait_until(
        pilot, lambda: screen.checklist.steps[3].status in ("done", "rehearsed", "failed"), what="the deploy"
    )
    return screen


async def test_the_push_runs_with_the_profiles_deploy_key(sandbox, fresh_target, homes, project):
    name = sandbox.name
    app = ProfileHost(fresh_target, homes, parse_config(_profile_toml(name)), name)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _push(pilot, app, name)
        shown = _on_screen(screen)
    assert screen.checklist.steps[3].status == "rehearsed", shown  # the sandbox runs no code: never "done"
    assert f"key-chars={len(f'prod:{name}|{SECRET}')}" in shown and "admin=none" in shown
    assert "with the profile's deploy key" in shown
    assert SECRET not in shown and SECRET not in screen.checklist.path.read_text()


async def test_a_key_for_another_deployment_stops_the_push(sandbox, fresh_target, homes, project):
    name = sandbox.name
    app = ProfileHost(fresh_target, homes, parse_config(_profile_toml(name, key_for="gentle-salmon-943")), name)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _push(pilot, app, name)
        shown = _on_screen(screen)
    state = screen.checklist.steps[3]
    assert state.status == "failed" and "deploy key is for gentle-salmon-943" in state.outcome
    assert not re.search(r"key-chars=\d", shown)  # the command never ran
    assert SECRET not in shown and SECRET not in screen.checklist.path.read_text()
