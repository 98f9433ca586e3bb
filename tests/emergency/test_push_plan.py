"""Step 3's plan and run without the network: what a ref needs (read from git at that ref), the deploy
command's `--message`, a push confirmed or not by the deployment's audit log, and a real deployment's run
ending done only when its push shows there (tui/services/checklist/push_plan.py, push_run.py, push_confirm.py)."""

from __future__ import annotations

import json

import pytest

from tiny_project import git, tiny_project, write_empty_lockfile

from tui.services.checklist import push_plan
from tui.services.checklist.state import Checklist, StepState
from tui.services.checklist.push_confirm import PushEvidence, matching_push
from tui.services.checklist.push_plan import plan_push
from tui.services.checklist.push_run import PushRun


def _commit(folder, message: str) -> str:
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", message)
    return git(folder, "rev-parse", "HEAD").strip()


def test_a_ready_plan_names_the_install_and_the_message(tmp_path):
    project = tiny_project(tmp_path)
    sha = git(project, "rev-parse", "v1").strip()
    plan = plan_push(project, "v1", sha, checklist_id="c-1")
    assert plan.ready, plan.missing
    assert plan.installer.command == "npm ci --no-audit --no-fund" and plan.installer.lockfile == "package-lock.json"
    assert plan.message == f"restore v1 ({sha[:12]}) · convex-backups checklist c-1"
    assert plan.command == f"npx convex deploy --yes --message '{plan.message}'"
    assert push_plan.deploy_command("npx convex deploy --message x", "y") == "npx convex deploy --message x"
    assert push_plan.deploy_command("make deploy", "y") == "make deploy"  # not the CLI: run as written
    assert len(push_plan.push_message("v" * 2000, "a" * 40).encode()) <= push_plan.MAX_MESSAGE_BYTES


def test_the_ref_is_read_from_git_not_from_the_checkout(tmp_path):
    project = tiny_project(tmp_path)
    (project / "package-lock.json").unlink()
    head = _commit(project, "lockfile dropped")
    good = git(project, "rev-parse", "v1").strip()
    assert plan_push(project, "v1", good).ready
    missing = plan_push(project, "main", head).missing
    assert missing == [
        "No lockfile in the repository root at main (package-lock.json, pnpm-lock.yaml, yarn.lock or "
        "bun.lock), so its dependencies cannot be installed as they were: commit one, or push by hand."
    ]


def test_an_app_in_a_workspace_uses_the_lockfile_above_it_and_package_managers_choice(tmp_path):
    root = tmp_path / "repo"
    app = root / "apps" / "web"
    (app / "convex").mkdir(parents=True)
    (app / "convex" / "q.ts").write_text("export const q = 1;\n")
    (app / "package.json").write_text(
        json.dumps({"name": "web", "dependencies": {"convex": "1.48.0"}, "packageManager": "pnpm@9.0.0"})
    )
    (root / "pnpm-lock.yaml").write_text("lockfileVersion: '9.0'\n")
    (root / "package-lock.json").write_text("{}")
    git(root.parent, "init", "-q", str(root))
    sha = _commit(root, "workspace")
    plan = plan_push(app, "main", sha)
    assert plan.subfolder == "apps/web" and plan.worktree_folder(tmp_path / "wt") == tmp_path / "wt" / "apps" / "web"
    assert plan.installer.manager == "pnpm" and plan.installer.lockfile == "pnpm-lock.yaml"
    assert plan.notes == [
        "Several lockfiles (package-lock.json, pnpm-lock.yaml); using pnpm-lock.yaml (package.json's packageManager)."
    ]


def test_each_missing_prerequisite_is_said(tmp_path, monkeypatch):
    project = tmp_path / "loose"
    (project / "convex").mkdir(parents=True)
    (project / "package.json").write_text("{}")
    outside = plan_push(project, "main", "0" * 40)
    assert outside.missing and "is not inside a git repository" in outside.missing[0]

    app = tiny_project(tmp_path)
    (app / "package.json").write_text('{"name": "app", "dependencies": {}}')
    sha = _commit(app, "convex dropped")
    real_which = push_plan.shutil.which
    monkeypatch.setattr(push_plan.shutil, "which", lambda name: None if name in ("node", "npx") else real_which(name))
    missing = plan_push(app, "main", sha).missing
    assert any("lists no `convex` dependency" in why for why in missing)
    assert any(why.startswith("Node.js is not installed") for why in missing)
    assert any(why.startswith("`npx` is not installed") for why in missing)
    (app / "convex.json").write_text('{"functions": "src/convex/"}')
    assert (
        "There is no src/convex/ folder (the app's functions) in the repository root at main."
        in plan_push(app, "main", _commit(app, "functions moved")).missing
    )
    monkeypatch.setattr(push_plan.shutil, "which", lambda name: None)
    assert plan_push(app, "main", sha).missing[0].startswith("git is not installed")


def test_a_push_is_confirmed_only_by_its_own_event():
    since = 1_000_000
    events = [
        ("push_config_with_components", since + 10, {"message": "restore v0"}),
        ("update_documents", since + 20, {}),
        ("push_config_with_components", since + 30, {"message": "restore v1"}),
    ]
    assert matching_push(events, since, "restore v1") == since + 30
    assert matching_push(events, since, "restore v2") is None
    assert matching_push(events, since + 10 * 60_000, None) is None  # too old, clock slack and all
    assert matching_push([("push_config", since, {"message": "m"})], since, "m") == since  # older backends


@pytest.mark.parametrize(
    "evidence,status",
    [
        (PushEvidence(True, "push confirmed by the audit log at 12:00:00 UTC", 1), "done"),
        (PushEvidence(False, "the audit log shows no push since the deploy started"), "failed"),
        (PushEvidence(False, "could not read the audit log", known=False), "done"),
    ],
)
async def test_a_real_deployment_is_done_only_when_the_audit_log_agrees(tmp_path, evidence, status):
    project = tmp_path / "app"
    (project / "convex").mkdir(parents=True)
    (project / "convex" / "q.ts").write_text("export const q = 1;\n")
    write_empty_lockfile(project)
    git(tmp_path, "init", "-q", str(project))
    sha = _commit(project, "good")
    plan = plan_push(project, "main", sha, command="sh -c 'echo pushed'")
    assert plan.ready, plan.missing
    asked: list[int] = []

    async def confirm(since_ms: int) -> PushEvidence:
        asked.append(since_ms)
        return evidence

    run = PushRun(
        plan, {"PATH": "/usr/bin:/bin", "CONVEX_SELF_HOSTED_ADMIN_KEY": "secret"}, sandbox=False, confirm=confirm
    )
    lines = [line async for line in run.lines()]
    assert run.result.status == status and asked
    assert evidence.text in run.result.outcome and "[4/4] Confirm from the deployment's audit log" in lines
    install = lines.index("[2/4] Install with npm from package-lock.json: npm ci --no-audit --no-fund")
    assert install < lines.index("[3/4] Push: sh -c 'echo pushed'") < lines.index("pushed")


async def test_a_failed_install_stops_before_the_push(tmp_path):
    project = tiny_project(tmp_path)
    (project / "package-lock.json").write_text(
        '{"lockfileVersion": 3, "packages": {"": {"dependencies": {"left-pad": "1.0.0"}}}}'
    )
    sha = _commit(project, "lockfile out of step with package.json")
    plan = plan_push(project, "main", sha, command="sh -c 'echo must-not-run'")
    run = PushRun(plan, {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, sandbox=True)
    lines = [line async for line in run.lines()]
    assert run.result.status == "failed" and run.result.outcome.startswith("the install (npm ci")
    assert "must-not-run" not in lines and not any(line.startswith("[3/4]") for line in lines)


def test_a_rehearsed_step_is_gone_through_and_never_done():
    checklist = Checklist(
        "c", "d", "sandbox", None, "me", steps=[StepState("done") for _ in range(3)] + [StepState() for _ in range(4)]
    )
    checklist.rehearsed(3, "rehearsed, not deployed: the sandbox runs no code")
    assert checklist.steps[3].status == "rehearsed" and checklist.current_step() == 4
    assert StepState.from_json(checklist.steps[3].to_json()).status == "rehearsed"


async def test_cancel_ends_the_running_stage_and_starts_no_other(tmp_path):
    project = tmp_path / "app"
    (project / "convex").mkdir(parents=True)
    (project / "convex" / "q.ts").write_text("export const q = 1;\n")
    write_empty_lockfile(project)
    git(tmp_path, "init", "-q", str(project))
    plan = plan_push(project, "main", _commit(project, "good"), command="sh -c 'echo started; sleep 30; echo never'")
    run = PushRun(plan, {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, sandbox=False)
    seen = []
    async for line in run.lines():
        seen.append(line)
        if line == "started":
            run.cancel()
    assert run.result.status == "canceled" and "never" not in seen and not any(s.startswith("[4/4]") for s in seen)
    assert "worktree" not in git(project, "worktree", "list").split("\n", 1)[-1]  # removed
