"""How the checklist opens (the main screen's key, the command palette, `--emergency`), and steps 3 (push
code, with a fake deploy command in a tiny git repo) and 5 (manual data fixes) through the screen."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import pytest_asyncio

from deployment_data import open_sandbox
from emergency_support import HostApp, client_of, wait_until, shown_table
from sandbox_process import start_demo_copy
from tiny_project import git, write_empty_lockfile

from tui.app import ConvexBackupsApp
from tui.cli import build_parser
from tui.screens.emergency.screen import EmergencyScreen
from tui.services.checklist.state import ChecklistStore

DEV = "gentle-salmon-943"  # acme-corp, storefront, dev


@pytest.fixture(scope="module")
def shared_demo(demo_template, tmp_path_factory):
    process = start_demo_copy(demo_template, tmp_path_factory.mktemp("em") / "sandbox")
    yield process
    process.stop()


@pytest_asyncio.fixture
async def demo_target(shared_demo, homes):
    opened = await open_sandbox(shared_demo, homes)
    yield opened
    await opened.aclose()


def test_the_command_line_takes_emergency_with_or_without_a_deployment():
    assert build_parser().parse_args(["--emergency"]).emergency == ""
    assert build_parser().parse_args(["--emergency", DEV]).emergency == DEV
    assert build_parser().parse_args([]).emergency is None


async def test_main_screen_key_palette_and_start_option_open_the_checklist(demo_target, homes):
    session = SimpleNamespace(homes=homes, config=None, warnings=[], spec=None)
    app = ConvexBackupsApp(target=demo_target, session=session)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.main.deployments, what="deployments")
        titles = [c.title for c in app.get_system_commands(app.main)]
        assert "Emergency restore" in titles
        await pilot.press("E")
        await wait_until(pilot, lambda: isinstance(app.screen, EmergencyScreen), what="the checklist")
        await wait_until(pilot, lambda: app.screen.mode == "steps", what="its steps")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, EmergencyScreen), what="back to main")
        assert app.is_running

    app = ConvexBackupsApp(target=demo_target, session=session, emergency=DEV)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, EmergencyScreen), what="the checklist at start")
        screen = app.screen
        await wait_until(pilot, lambda: screen.mode in ("steps", "offer-resume"), what="its steps")
        if screen.mode == "offer-resume":  # the checklist the first app left unfinished
            await pilot.press("n")
        assert screen.ref.name == DEV


async def test_push_code_and_manual_fixes_through_the_screen(shared_demo, demo_target, homes, tmp_path):
    project = tmp_path / "app"
    (project / "convex").mkdir(parents=True)
    (project / "convex" / "messages.ts").write_text("export const v = 1;\n")
    write_empty_lockfile(project)
    git(project, "init", "-q")
    git(project, "add", ".")
    git(project, "commit", "-qm", "known good")
    git(project, "tag", "v1")

    store = ChecklistStore.in_data_dir(homes.data_dir)
    app = HostApp(
        lambda: EmergencyScreen(
            target=demo_target,
            store=store,
            deployment=DEV,
            project=project,
            deploy_command="sh -c 'echo deployed; echo $CONVEX_SELF_HOSTED_URL'",
        )
    )
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen_under_test
        await wait_until(pilot, lambda: screen.mode == "steps", what="the checklist")
        await pilot.press("g", "s", *"rehearsal on a dev deployment", "enter")  # step 0, then skip step 1
        assert screen.checklist.steps[1].status == "skipped" and screen.checklist.destructive_allowed

        await pilot.press("down", "down")  # step 3: push code
        table = shown_table(screen)
        await wait_until(pilot, lambda: table.display and table.row_count, what="the refs")
        await pilot.press("g", *DEV, "enter")
        await wait_until(pilot, lambda: screen.checklist.steps[3].status == "rehearsed", what="the deploy")
        log_text = "\n".join(screen.panel.query_one("#em-log").lines)
        assert "deployed" in log_text and shared_demo.deployments[DEV] in log_text
        assert screen.checklist.steps[3].data["exit_status"] == 0  # the sandbox runs no code: never "done"

        await pilot.press("down", "down")  # step 5: manual fixes
        await wait_until(
            pilot, lambda: table.display and table.row_count and screen.data_step.data_table is None, what="the tables"
        )
        name = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        await pilot.press("g")
        await wait_until(  # the page read (until then the list still shows the tables)
            pilot,
            lambda: screen.data_step.data_table == name and screen.data_step.page_view is not None and table.row_count,
            what="the documents",
        )
        doc_id = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        await pilot.press("e")  # the field editor: a name, enter, a JSON value, enter
        await wait_until(pilot, lambda: type(app.screen).__name__ == "FieldEditDialog", what="the field editor")
        await pilot.press(*"fixed_by", "enter", *'"checklist"', "enter")
        await wait_until(pilot, lambda: len(screen.checklist.steps[5].data.get("edits", [])) == 1, what="the edit")
        await wait_until(pilot, lambda: table.row_count, what="the documents again")
        table.move_cursor(row=[str(k.value) for k in table.rows].index(doc_id))
        await pilot.press("d", *DEV, "enter")
        await wait_until(pilot, lambda: len(screen.checklist.steps[5].data.get("edits", [])) == 2, what="delete")
        await pilot.press("i", *'{"note": "inserted by the checklist"}', "enter")
        await wait_until(pilot, lambda: len(screen.checklist.steps[5].data.get("edits", [])) == 3, what="insert")
        await pilot.press("u")
        await wait_until(
            pilot,
            lambda: "no user functions" in str(screen.panel.query_one("#em-text").render()),
            what="the sandbox's answer",
        )
        await pilot.press("m")
        assert screen.checklist.steps[5].status == "done"

    async with client_of(shared_demo, DEV) as client:
        docs = [d async for d in client.iter_documents(name)]
    assert doc_id not in {d["_id"] for d in docs}
    assert any(d.get("note") == "inserted by the checklist" for d in docs)
