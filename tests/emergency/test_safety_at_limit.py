"""Checklist step 1 on a Starter deployment at its backup limit (the demo world's indie-studio): a fresh
cloud backup would be refused, so the recommended choice (g) is the local safety snapshot, which uses no
backup slot, and the step ends done; b says why it does nothing instead of failing."""

from __future__ import annotations

import json

from emergency_support import HostApp, wait_until

from tui.screens.emergency.screen import EmergencyScreen
from tui.services.checklist.state import ChecklistStore


async def starter_at_its_limit(target):
    for ref in await target.list_deployments():
        if ref.team == "indie-studio" and (await target.plan_limits(ref)).at_backup_limit:
            return ref
    raise AssertionError("the demo world has a Starter deployment at its backup limit")


async def test_step_1_at_the_starter_limit_takes_a_local_snapshot_and_is_done(target, homes, tmp_path):
    ref = await starter_at_its_limit(target)
    backups = {b.id for b in await target.list_backups(ref)}
    store = ChecklistStore.in_data_dir(homes.data_dir)
    app = HostApp(lambda: EmergencyScreen(target, store, ref.name, incidents=tmp_path / "incidents"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen_under_test
        await wait_until(pilot, lambda: screen.mode == "steps", what="the checklist")
        await pilot.press("g")  # step 0: the deployment asked for is highlighted
        assert screen.checklist.deployment == ref.name and screen.selected == 1

        def text() -> str:
            return str(screen.panel.query_one("#em-text").render())

        await wait_until(pilot, lambda: "(recommended)" in text(), what="step 1's choices")
        assert "g or l (recommended) saves a local safety snapshot" in text() and "fresh backup" not in text()
        assert screen.check_action("safety_fresh", ()) is False  # hidden from the footer...
        await pilot.press("b")  # ...and the key says why instead of sending a request the plan refuses
        await pilot.pause(0.2)
        assert screen.checklist.steps[1].status == "pending"
        assert any("b does nothing here" in str(n.message) for n in app.shown)

        await pilot.press("g")
        await wait_until(
            pilot,
            lambda: screen.checklist.steps[1].status in ("done", "failed"),
            timeout=120,
            what="the local safety snapshot",
        )
        state = screen.checklist.steps[1]
        assert state.status == "done", state.outcome
        assert state.data["local"] and "local safety snapshot" in state.outcome
        assert screen.checklist.destructive_allowed
        folder = target.local_backup_folder(ref) / screen.checklist.safety_backup_id
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["include_storage"] and (folder / "snapshot.zip").stat().st_size
        assert str(folder) in text().replace("\n", "")
    assert {b.id for b in await target.list_backups(ref)} == backups  # no backup slot was used


async def test_step_1_at_the_limit_frees_the_oldest_slot_on_o_then_d(target, homes, tmp_path):
    ref = await starter_at_its_limit(target)
    complete = [b for b in await target.list_backups(ref) if b.state == "complete"]
    oldest = min(complete, key=lambda b: b.completed or b.requested)
    store = ChecklistStore.in_data_dir(homes.data_dir)
    app = HostApp(lambda: EmergencyScreen(target, store, ref.name, incidents=tmp_path / "incidents"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen_under_test
        await wait_until(pilot, lambda: screen.mode == "steps", what="the checklist")
        await pilot.press("g")
        await wait_until(pilot, lambda: screen.safety_step.safety_choices is not None, what="step 1's choices")
        await pilot.press("o")  # deleting a backup is asked again, with another key
        assert "DELETED" in str(screen.panel.query_one("#em-text").render())
        assert screen.check_action("run_step", ()) is False
        await pilot.press("escape")  # back to the choices, not out of the checklist
        assert app.screen is screen and not screen.safety_step.safety_asking_oldest
        await pilot.press("o", "d")
        await wait_until(
            pilot,
            lambda: screen.checklist.steps[1].status in ("done", "failed"),
            timeout=180,
            what="the freed slot's backup",
        )
        state = screen.checklist.steps[1]
        assert state.status == "done", state.outcome
        assert state.data["freed"] == oldest.id and f"backup {oldest.id} was saved to" in state.outcome
    after = {b.id for b in await target.list_backups(ref)}
    assert oldest.id not in after and screen.checklist.safety_backup_id in after
    assert list(target.local_backup_folder(ref).glob("snapshot_*.zip"))
