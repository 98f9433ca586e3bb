"""Issue 12, step 3 on a tiny real Convex app against the sandbox, with the official CLI: a clean worktree of
the tag, `npm ci` from its lockfile (the pinned `convex` only; npm's cache is the one tests/official_cli.py
fills), `npx convex deploy` bundling and sending the push, the sandbox's answer that it received the code
and deployed nothing, and the step ending "rehearsed, not deployed", never done."""

from __future__ import annotations

import time

import pytest

from emergency_support import HostApp, wait_until, shown_table
from official_cli import install_cli
from tiny_project import git, tiny_project

from tui.screens.emergency.screen import EmergencyScreen
from tui.services.checklist.state import ChecklistStore


def _text(screen) -> str:
    return str(screen.panel.query_one("#em-text").render())


async def _to_step_3(pilot, screen):
    await wait_until(pilot, lambda: screen.mode == "steps", what="the checklist")
    await pilot.press("g", "s", *"a rehearsal on the sandbox", "enter")  # step 0, then skip step 1
    await pilot.press("down", "down")
    assert screen.selected == 3


async def test_step_3_rehearses_a_real_push_and_the_sandbox_refuses_it(
    sandbox, fresh_target, homes, tmp_path, monkeypatch
):
    install_cli()  # skips, saying why, without Node; leaves the pinned convex in npm's cache
    monkeypatch.setenv("npm_config_prefer_offline", "true")  # the cache first: the registry only for a miss
    project = tiny_project(tmp_path)
    store = ChecklistStore.in_data_dir(homes.data_dir)
    app = HostApp(
        lambda: EmergencyScreen(
            target=fresh_target, store=store, deployment=sandbox.name, project=project, incidents=tmp_path / "incidents"
        )
    )
    started = time.monotonic()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen_under_test
        await _to_step_3(pilot, screen)
        table = shown_table(screen)
        await wait_until(pilot, lambda: table.display and table.row_count, what="the refs")
        before = _text(screen)
        assert "The sandbox runs no code" in before and "rehearsed, not deployed" in before  # said before it starts
        assert "Install: npm ci" in before
        await pilot.press("g", *sandbox.name, "enter")  # the highlighted ref is the tag v1
        state = screen.checklist.steps[3]
        await wait_until(pilot, lambda: state.status not in ("pending", "running"), timeout=120, what="the push")
        lines = screen.panel.query_one("#em-log").lines
        log = " ".join(line.strip() for line in lines)  # the log's lines are wrapped to its width
        assert state.status == "rehearsed", f"{state.outcome}\n" + "\n".join(lines)
        assert state.outcome.startswith("rehearsed, not deployed")
        assert "[2/4] Install with npm from package-lock.json: npm ci" in log
        assert "[3/4] Push: npx convex deploy --yes --message" in log
        assert "SandboxRunsNoCode" in log and "received this push" in log and "nothing was deployed" in log
        assert "[4/4]" not in log and "sentry" not in log.lower()  # nothing to confirm; nothing reported to Convex
        assert max(len(line) for line in lines) <= 46  # no sideways scrolling at 80x24
        assert state.data["ref"] == "v1" and state.data["message"].startswith(f"restore v1 ({state.data['sha'][:12]})")
        assert state.data["install"] == "npm ci --no-audit --no-fund" and state.data["exit_status"] == 1
        assert "≈ 3 Push code    rehearsed" in [str(o.prompt) for o in screen.query_one("#em-steps").options]
        await pilot.press("m")  # nothing can be pushed to the sandbox by hand either
        assert screen.checklist.steps[3].status == "rehearsed"
    assert time.monotonic() - started < 90
    assert "worktree" not in git(project, "worktree", "list").split("\n", 1)[-1]  # the clean checkout is gone
    assert not (project / "node_modules").exists()  # installed in the worktree, not the operator's checkout


async def test_a_missing_lockfile_is_said_before_anything_starts(sandbox, fresh_target, homes, tmp_path):
    project = tiny_project(tmp_path, without=("package-lock.json",))
    store = ChecklistStore.in_data_dir(homes.data_dir)
    app = HostApp(lambda: EmergencyScreen(target=fresh_target, store=store, deployment=sandbox.name, project=project))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen_under_test
        await _to_step_3(pilot, screen)
        table = shown_table(screen)
        await wait_until(pilot, lambda: table.display and table.row_count, what="the refs")
        assert "Missing at HEAD:" in _text(screen) and "No lockfile" in _text(screen)
        await pilot.press("g")
        text = _text(screen)
        assert "Cannot push v1 from here; missing:" in text and "No lockfile in the repository root at v1" in text
        assert not screen.query_one("#em-input").display  # no confirmation asked: nothing starts
        assert screen.checklist.steps[3].status == "pending"


@pytest.mark.parametrize(
    "lockfile,manager,argv",
    [
        ("pnpm-lock.yaml", "pnpm", ("pnpm", "install", "--frozen-lockfile")),
        ("yarn.lock", "yarn", ("yarn", "install", "--frozen-lockfile")),
        ("bun.lock", "bun", ("bun", "install", "--frozen-lockfile")),
    ],
)
def test_the_lockfile_names_the_package_manager_and_a_missing_one_is_said(
    tmp_path, monkeypatch, lockfile, manager, argv
):
    from tui.services.checklist import push_plan

    project = tiny_project(tmp_path, without=("package-lock.json",))
    (project / lockfile).write_text("lockfileVersion: '9.0'\n")
    git(project, "add", "-A")
    git(project, "commit", "-qm", f"{manager} lockfile")
    sha = git(project, "rev-parse", "HEAD").strip()
    real_which = push_plan.shutil.which
    monkeypatch.setattr(push_plan.shutil, "which", lambda name: None if name == manager else real_which(name))
    plan = push_plan.plan_push(project, "main", sha)
    assert plan.installer.manager == manager and plan.installer.argv == argv and plan.installer.lockfile == lockfile
    assert [why for why in plan.missing if why.startswith(f"{manager} is not installed")], plan.missing
    berry = push_plan.install_argv("yarn", "__metadata:\n  version: 8\n")
    assert berry == ("yarn", "install", "--immutable")
