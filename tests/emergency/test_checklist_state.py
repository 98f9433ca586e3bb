"""The checklist's state model, its file, the incident log and code push (no sandbox needed)."""

from __future__ import annotations

import json
import stat

import pytest
from tiny_project import git

from tui.services.checklist import code_push
from tui.services.checklist import incident_log
from tui.services.checklist.state import ChecklistStore


def test_every_change_is_saved_atomically_with_mode_0600(tmp_path):
    store = ChecklistStore(tmp_path / "checklists")
    checklist = store.new("brave-marmot-193", target_label="sandbox", is_prod=True)
    path = store.path_of(checklist.id)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.root.stat().st_mode) == 0o700
    checklist.start(1)
    checklist.record(1, backup_id="42")
    on_disk = json.loads(path.read_text())
    assert on_disk["steps"][1]["status"] == "running" and on_disk["steps"][1]["data"]["backup_id"] == "42"
    assert on_disk["steps"][1]["who"]
    assert not list(store.root.glob(".*.tmp"))

    again = store.load(checklist.id)
    assert again.running_operations() == [(1, "42")]
    assert store.unfinished("brave-marmot-193").id == checklist.id
    assert store.unfinished("other") is None
    again.close()
    assert store.unfinished() is None


def test_destructive_steps_wait_for_the_safety_backup_or_a_reason(tmp_path):
    checklist = ChecklistStore(tmp_path).new("d")
    assert not checklist.destructive_allowed
    with pytest.raises(ValueError):
        checklist.skip(1, "short")
    assert not checklist.destructive_allowed
    checklist.skip(1, "the deployment is empty anyway")
    assert checklist.destructive_allowed and checklist.steps[1].reason == "the deployment is empty anyway"
    checklist.reset(1)
    assert not checklist.destructive_allowed
    assert checklist.steps[1].history == ["skipped: skipped: the deployment is empty anyway"]


def test_a_running_restore_cannot_be_reset_and_the_log_lists_every_step(tmp_path):
    store = ChecklistStore(tmp_path / "c")
    checklist = store.new("d")
    checklist.done(1, "backup 7 complete", backup_id="7")
    checklist.start(2, backup_id="5")
    checklist.record(2, import_id="imp1", confirmed=True)
    with pytest.raises(ValueError):
        checklist.reset(2)
    checklist.done(2, "restored", counts_before={"users": 1}, counts_after={"users": 4})
    checklist.done(4, "applied 1 changed", changed=["API_KEY"])
    checklist.close()
    path = incident_log.write(checklist, tmp_path / "incidents")
    text = path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for number in range(7):
        assert f"### Step {number}:" in text
    assert "backup 7 complete" in text and "imp1" in text and "`API_KEY`" in text and "| users | 1 | 4 |" in text


@pytest.fixture
def project(tmp_path):
    folder = tmp_path / "app"
    (folder / "convex").mkdir(parents=True)
    (folder / "package.json").write_text('{"dependencies": {"convex": "1"}}')
    (folder / "convex" / "messages.ts").write_text("export const v = 1;\n")
    git(folder, "init", "-q")
    git(folder, "add", ".")
    git(folder, "commit", "-qm", "good version")
    git(folder, "tag", "v1")
    (folder / "convex" / "messages.ts").write_text("export const v = 2; // broken\n")
    git(folder, "commit", "-qam", "bad version")
    return folder


def test_project_refs_and_a_clean_worktree(project):
    assert code_push.find_project(project / "convex") == project
    refs = code_push.list_refs(project)
    assert refs[0].kind == "tag" and refs[0].name == "v1"
    assert [r.summary.split(" — ")[1][11:] for r in refs if r.kind == "commit"] == ["bad version", "good version"]
    tree = code_push.make_worktree(project, "v1")
    try:
        assert (tree / "convex" / "messages.ts").read_text() == "export const v = 1;\n"
    finally:
        code_push.remove_worktree(project, tree)
    assert not tree.exists()


async def test_the_deploy_streams_output_and_reports_its_exit_status(project):
    tree = code_push.make_worktree(project, "v1")
    try:
        env = code_push.deploy_environment("http://127.0.0.1:1", "key-123", base={"PATH": "/usr/bin:/bin"})
        run = code_push.DeployRun(
            "sh -c 'echo deployed; cat convex/messages.ts; echo $CONVEX_SELF_HOSTED_URL'", tree, env
        )
        lines = [line async for line in run.lines()]
        assert lines == ["deployed", "export const v = 1;", "http://127.0.0.1:1"] and run.exit_status == 0
        failing = code_push.DeployRun("echo oops >&2; exit 3", tree, env)
        assert [line async for line in failing.lines()] == ["oops"] and failing.exit_status == 3
        slow = code_push.DeployRun("echo started; sleep 30; echo never", tree, env)
        seen = []
        async for line in slow.lines():
            seen.append(line)
            slow.cancel()
        assert seen == ["started"] and slow.canceled and slow.exit_status != 0
    finally:
        code_push.remove_worktree(project, tree)


def test_manual_instructions_name_the_credentials_never_print_them(project):
    text = code_push.manual_instructions("brave-marmot-193", "v1", project=project)
    assert "git worktree add --detach" in text and "v1" in text and "npx convex deploy --yes" in text
    assert "CONVEX_SELF_HOSTED_ADMIN_KEY=..." in text
    assert code_push.missing_tools("definitely-not-a-program --x") == ["definitely-not-a-program"]


def test_a_draft_is_written_at_its_first_change_under_the_chosen_deployment(tmp_path):
    store = ChecklistStore(tmp_path / "checklists")
    checklist = store.draft("gentle-salmon-943")
    assert not store.root.exists() and store.unfinished() is None
    checklist.bind("brave-marmot-193", is_prod=True)
    checklist.done(0, "brave-marmot-193 chosen")
    assert [p.name for p in store.root.iterdir()] == [f"{checklist.id}.json"] and "brave-marmot-193" in checklist.id
    checklist.bind("clever-raven-321", is_prod=False)  # chosen again before any work: renamed, not copied
    assert [p.name for p in store.root.iterdir()] == [f"{checklist.id}.json"] and "clever-raven-321" in checklist.id
    checklist.skip(1, "rehearsal on a preview")
    with pytest.raises(ValueError):
        checklist.bind("brave-marmot-193", is_prod=True)
    assert store.load(checklist.id).deployment == "clever-raven-321"


def test_the_log_names_a_completed_restore_after_step_2_is_redone(tmp_path):
    checklist = ChecklistStore(tmp_path / "c").new("d")
    checklist.start(2, backup_id="5", counts_before={"users": 1})
    checklist.record(2, import_id="imp1", confirmed=True)
    checklist.record_restore("5", "imp1", 4)
    checklist.done(2, "restored", counts_after={"users": 4})
    checklist.reset(2)
    checklist.start(2, backup_id="6", counts_before=None)
    checklist.fail(2, "backed out before confirming; nothing was restored", nothing_restored=True)
    text = incident_log.render(checklist)
    assert "- Restored from backup: 5 (import imp1, completed" in text and "4 documents written" in text
    assert "| users |" not in text.split("### Step 2")[1].split("### Step 3")[0]  # no table for nothing restored
