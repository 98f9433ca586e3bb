"""The checklist belongs to the deployment chosen at step 0, not to the row highlighted when it was opened
(its id, its file and its incident log say so), and opening it and leaving before any step leaves nothing
behind (issue 12)."""

from __future__ import annotations

from emergency_support import PROD, HostApp, wait_until, shown_table

from tui.screens.emergency.screen import EmergencyScreen
from tui.services.checklist.state import ChecklistStore

DEV = "gentle-salmon-943"  # acme-corp, storefront, dev: the row highlighted when the checklist opens


def files_under(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


async def test_the_checklist_and_its_log_carry_the_chosen_deployment(target, homes, tmp_path):
    store = ChecklistStore.in_data_dir(homes.data_dir)
    incidents = tmp_path / "incidents"
    app = HostApp(lambda: EmergencyScreen(target, store, DEV, incidents=incidents))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen_under_test
        await wait_until(pilot, lambda: screen.mode == "steps", what="the checklist")
        assert screen.ref.name == DEV  # opened on the highlighted row, which is not the checklist's yet
        assert DEV not in str(screen.query_one("#em-title").render())
        await pilot.press("down")  # nothing before the deployment is chosen
        assert screen.check_action("run_step", ()) is False and screen.check_action("skip_step", ()) is False
        assert "Choose the deployment first" in str(screen.panel.query_one("#em-text").render())
        await pilot.press("up")
        table = shown_table(screen)
        await wait_until(pilot, lambda: table.display and table.row_count, what="the deployments")
        table.move_cursor(row=[str(k.value) for k in table.rows].index(PROD))
        await pilot.press("g")  # production is the one in trouble
        checklist = screen.checklist
        assert f"{PROD} (PRODUCTION)" in str(screen.query_one("#em-title").render())
        assert checklist.deployment == PROD and checklist.is_prod and PROD in checklist.id and DEV not in checklist.id
        assert files_under(store.root) == [f"{checklist.id}.json"]

        await pilot.press("s", *"rehearsing on the sandbox", "enter")
        await pilot.press(*["down"] * 5, "g")  # step 6: close and write the incident log
        await wait_until(pilot, lambda: screen.incident_path is not None, what="the incident log")
        log = screen.incident_path.read_text()
    assert PROD in screen.incident_path.name and DEV not in screen.incident_path.name
    assert f"emergency restore of {PROD}" in log and DEV not in log
    assert files_under(store.root) == [f"{checklist.id}.json"]
    assert store.load(checklist.id).deployment == PROD


async def test_leaving_before_any_step_leaves_nothing_behind(target, homes, tmp_path):
    store = ChecklistStore.in_data_dir(homes.data_dir)
    incidents = tmp_path / "incidents"
    app = HostApp(lambda: EmergencyScreen(target, store, DEV, incidents=incidents))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen_under_test
        await wait_until(pilot, lambda: screen.mode == "steps", what="the checklist")
        await pilot.press("down", "down", "up", "up")  # looked around, did nothing
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.results == [None], what="the checklist to close")
    assert files_under(store.root) == [] and files_under(incidents) == []
    assert store.unfinished() is None  # nothing to offer for resuming next time
