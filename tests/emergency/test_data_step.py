"""Step 5 (manual fixes) on a fresh sandbox, through the screen: paging a table of more than 100 documents
by cursor with its "documents N–M of about T" indicator, and the field editor writing typed values (a bare
number is a Float64, an Int64 field stays an Int64, bad JSON changes nothing)."""

from __future__ import annotations

from emergency_support import HostApp, client_of, wait_until, shown_table
from sandbox_process import SandboxProcess

from tui.screens.emergency.screen import EmergencyScreen
from tui.services.checklist.state import ChecklistStore


def _text(screen) -> str:
    return str(screen.panel.query_one("#em-text").render())


def _keys(table) -> list[str]:
    return [str(k.value) for k in table.rows]


async def _open_step5(pilot, screen, table_name: str):
    """Step 0 on the only deployment, skip the safety backup (a rehearsal), then step 5 and the table."""
    await wait_until(pilot, lambda: screen.mode == "steps", what="the checklist")
    await pilot.press("g", "s", *"rehearsal on a fresh sandbox", "enter")
    await pilot.press(*["down"] * 4)
    assert screen.selected == 5
    table = shown_table(screen)
    await wait_until(
        pilot,
        lambda: table.display and table_name in _keys(table) and screen.data_step.data_level == "tables",
        what="the tables",
    )
    await pilot.press("tab")
    assert table.has_focus  # tab goes from the steps straight to the table
    table.move_cursor(row=_keys(table).index(table_name))
    await pilot.press("g")
    await wait_until(
        pilot,
        lambda: screen.data_step.page_view is not None and screen.data_step.data_level == "documents",
        what="the first page",
    )
    return table


async def test_pages_of_a_large_table_by_cursor(sandbox, fresh_target, homes, tmp_path):
    name = sandbox.name
    async with client_of(sandbox, name) as client:
        await client.mutation(
            "_system/frontend/addDocument", {"table": "ledger", "documents": [{"n": float(i)} for i in range(250)]}
        )
        oldest_first = [d["_id"] async for d in client.iter_documents("ledger")]
    assert len(oldest_first) == 250

    store = ChecklistStore.in_data_dir(homes.data_dir)
    app = HostApp(lambda: EmergencyScreen(fresh_target, store, name, incidents=tmp_path / "incidents"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen_under_test
        table = await _open_step5(pilot, screen, "ledger")
        assert "ledger: documents 1–100 of about 250" in _text(screen)
        assert _keys(table) == oldest_first[:100]
        assert screen.check_action("next_page", ()) and not screen.check_action("previous_page", ())

        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: "documents 101–200 of about 250" in _text(screen), what="page 2")
        assert _keys(table) == oldest_first[100:200]
        assert str(table.get_row_at(0)[0]) == "101"
        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: "documents 201–250 of about 250" in _text(screen), what="page 3")
        assert _keys(table) == oldest_first[200:]
        assert not screen.check_action("next_page", ()) and screen.check_action("previous_page", ())

        await pilot.press("right_square_bracket")  # nothing after the last page
        await pilot.pause(0.3)
        assert _keys(table) == oldest_first[200:]
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: "documents 101–200 of about 250" in _text(screen), what="back to page 2")
        assert _keys(table) == oldest_first[100:200]

        table.move_cursor(row=5)  # a delete keeps the page; the count is read again
        await pilot.press("d", *name, "enter")
        await wait_until(pilot, lambda: "documents 101–200 of about 249" in _text(screen), what="the delete")
        assert oldest_first[105] not in _keys(table) and _keys(table)[5] == oldest_first[106]
        await pilot.press("escape")
        await wait_until(pilot, lambda: screen.data_step.data_level == "tables" and table.row_count, what="the tables")
        assert app.screen is screen  # esc went up a level, it did not leave the checklist


async def test_the_field_editor_writes_typed_values(sandbox, fresh_target, homes, tmp_path):
    name = sandbox.name
    async with client_of(sandbox, name) as client:
        await client.mutation(
            "_system/frontend/addDocument", {"table": "items", "documents": [{"count": 5, "price": 2.5, "label": "a"}]}
        )
    assert type((await _documents(sandbox, name, "items"))[0]["count"]) is int  # an Int64

    store = ChecklistStore.in_data_dir(homes.data_dir)
    app = HostApp(lambda: EmergencyScreen(fresh_target, store, name, incidents=tmp_path / "incidents"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen_under_test
        table = await _open_step5(pilot, screen, "items")
        await pilot.press("g")
        await wait_until(pilot, lambda: screen.data_step.data_level == "document", what="the document")

        async def edit(field: str, *keys: str) -> None:
            await pilot.press(
                *["down"] * (_keys(table).index(field) - table.cursor_row),
                *["up"] * (table.cursor_row - _keys(table).index(field)),
                "e",
            )
            await wait_until(pilot, lambda: type(app.screen).__name__ == "FieldEditDialog", what="the editor")
            await pilot.press(*keys)

        edits = lambda: len(screen.checklist.steps[5].data.get("edits", []))  # noqa: E731
        confirm = (*name, "enter")  # a production deployment: every change waits for its typed name
        await edit("count", "7", "enter", *confirm)  # the value is selected: typing replaces it
        await wait_until(pilot, lambda: edits() == 1, what="count")
        await edit("price", "3", "enter", *confirm)
        await wait_until(pilot, lambda: edits() == 2, what="price")
        await edit("label", "shift+tab", *"note", "enter", *'"hi"', "enter", *confirm)  # a new field
        await wait_until(pilot, lambda: edits() == 3, what="note")
        await edit("label", *"oops", "enter")  # not JSON: the dialog says so and stays
        dialog = app.screen
        assert type(dialog).__name__ == "FieldEditDialog"
        await wait_until(
            pilot,
            lambda: "Not a JSON value" in str(dialog.query_one("#field-error").render()),
            what="the dialog saying why",
        )
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, what="the editor closed")
        await pilot.press("i", *'{"qty": 2}', "enter", *confirm)
        await wait_until(pilot, lambda: edits() == 4, what="the insert")

    documents = await _documents(sandbox, name, "items")
    edited = next(d for d in documents if "label" in d)
    assert edited["count"] == 7 and type(edited["count"]) is int  # still an Int64
    assert edited["price"] == 3.0 and type(edited["price"]) is float  # a bare number is a Float64
    assert edited["note"] == "hi" and edited["label"] == "a"
    inserted = next(d for d in documents if "qty" in d)
    assert type(inserted["qty"]) is float
    assert screen.checklist.steps[5].data["edits"][:3] == [
        f"set count of {edited['_id']} in items: 5 (Int64) → 7 (Int64)",
        f"set price of {edited['_id']} in items: 2.5 (Float64) → 3.0 (Float64)",
        f'set note of {edited["_id"]} in items: not set → "hi" (string)',
    ]


async def _documents(process: SandboxProcess, name: str, table: str) -> list[dict]:
    async with client_of(process, name) as client:
        return [d async for d in client.iter_documents(table)]


async def test_production_changes_wait_for_the_typed_name(sandbox, fresh_target, homes, tmp_path):
    """Issue 6: on production a field edit and an insert are only written once the deployment's name is
    typed; the enter that ended the edit, a second enter or a wrong name change nothing."""
    name = sandbox.name
    async with client_of(sandbox, name) as client:
        await client.mutation("_system/frontend/addDocument", {"table": "items", "documents": [{"label": "a"}]})
    store = ChecklistStore.in_data_dir(homes.data_dir)
    app = HostApp(lambda: EmergencyScreen(fresh_target, store, name, incidents=tmp_path / "incidents"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen_under_test
        assert screen.ref is None or screen.ref.is_prod
        await _open_step5(pilot, screen, "items")
        assert screen.ref.is_prod
        edits = lambda: screen.checklist.steps[5].data.get("edits", [])  # noqa: E731

        await pilot.press("e")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "FieldEditDialog", what="the editor")
        await pilot.press(*"label", "enter", *'"b"', "enter")
        await wait_until(pilot, lambda: app.screen is screen, what="the editor closed")
        assert "On PRODUCTION: set label" in str(screen.query_one("#em-prompt-label").render())
        await pilot.press("enter")  # a second enter is not the name
        await pilot.press("i", *'{"qty": 1}', "enter", *"wrong-name", "enter")
        await pilot.pause(0.5)
        assert edits() == [] and [d["label"] for d in await _documents(sandbox, name, "items")] == ["a"]

        await pilot.press("e")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "FieldEditDialog", what="the editor")
        await pilot.press(*"label", "enter", *'"b"', "enter", *name, "enter")
        await wait_until(pilot, lambda: len(edits()) == 1, what="the confirmed edit")
        await pilot.press("i", *'{"qty": 1}', "enter", *name, "enter")
        await wait_until(pilot, lambda: len(edits()) == 2, what="the confirmed insert")
    documents = await _documents(sandbox, name, "items")
    assert [d.get("label") for d in documents] == ["b", None] and documents[1]["qty"] == 1.0
