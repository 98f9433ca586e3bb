"""Step 5's field edits say the old and the new value of the field with their types, in the confirmation
and in the incident log; an edit that would change the field's type (an Int64 given 4982.5) says so and
needs its own typed confirmation before production's typed name (issue 12)."""

from __future__ import annotations

from emergency_support import HostApp, client_of, wait_until, shown_table

from tui.screens.emergency.screen import EmergencyScreen
from tui.services.checklist import incident_log
from tui.services.checklist.state import ChecklistStore


def prompt_of(screen) -> str:
    return str(screen.query_one("#em-prompt-label").render())


async def documents(sandbox, table):
    async with client_of(sandbox, sandbox.name) as client:
        return [d async for d in client.iter_documents(table)]


async def test_a_type_changing_edit_needs_its_own_confirmation(sandbox, fresh_target, homes, tmp_path):
    name = sandbox.name  # the fresh sandbox's one deployment: production
    async with client_of(sandbox, name) as client:
        await client.mutation(
            "_system/frontend/addDocument",
            {"table": "orders", "documents": [{"total": {"$integer": "ZhMAAAAAAAA="}, "note": "x"}]},
        )  # total: Int64 4966
    doc = (await documents(sandbox, "orders"))[0]
    assert doc["total"] == 4966 and type(doc["total"]) is int

    store = ChecklistStore.in_data_dir(homes.data_dir)
    app = HostApp(lambda: EmergencyScreen(fresh_target, store, name, incidents=tmp_path / "incidents"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen_under_test
        await wait_until(pilot, lambda: screen.mode == "steps", what="the checklist")
        await pilot.press("g", "s", *"rehearsal on a fresh sandbox", "enter", *["down"] * 4)
        table = shown_table(screen)
        await wait_until(
            pilot, lambda: table.display and "orders" in [str(k.value) for k in table.rows], what="the tables"
        )
        table.move_cursor(row=[str(k.value) for k in table.rows].index("orders"))
        await pilot.press("tab", "g")
        await wait_until(pilot, lambda: screen.data_step.data_level == "documents" and table.row_count, what="the page")
        edits = lambda: screen.checklist.steps[5].data.get("edits", [])  # noqa: E731

        async def edit(value: str) -> None:
            await pilot.press("e")
            await wait_until(pilot, lambda: type(app.screen).__name__ == "FieldEditDialog", what="the editor")
            await pilot.press(*"total", "enter", *value, "enter")
            await wait_until(pilot, lambda: app.screen is screen, what="the editor closed")

        await edit("4982.5")
        asked = prompt_of(screen)
        assert "CHANGES THE FIELD'S TYPE from Int64 to Float64" in asked and "Type Float64" in asked
        await pilot.press(*name, "enter")  # the deployment's name is not this confirmation
        await pilot.pause(0.3)
        assert edits() == [] and (await documents(sandbox, "orders"))[0]["total"] == 4966

        await edit("4982.5")
        await pilot.press(*"Float64", "enter")
        asked = prompt_of(screen)  # then production's own typed name, with old and new value and types
        assert "On PRODUCTION" in asked and "4966 (Int64) → 4982.5 (Float64)" in asked
        await pilot.press(*name, "enter")
        await wait_until(pilot, lambda: len(edits()) == 1, what="the edit")

        await edit("4990")  # a Float64 now, and a bare number is one: no type question, only the name
        asked = prompt_of(screen)
        assert "TYPE" not in asked and "4982.5 (Float64) → 4990.0 (Float64)" in asked
        await pilot.press(*name, "enter")
        await wait_until(pilot, lambda: len(edits()) == 2, what="the second edit")

    assert (await documents(sandbox, "orders"))[0]["total"] == 4990.0
    log = incident_log.render(screen.checklist)
    assert f"set total of {doc['_id']} in orders: 4966 (Int64) → 4982.5 (Float64) — TYPE CHANGED" in log
