"""The diff screen from the main screen, against a real seeded sandbox: a backup, then changes made through the
deployment's own API, then `D` (and the palette's "Compare with now") shows exactly those changes, table by
table, document by document, field by field; esc backs out one level at a time."""

from __future__ import annotations

from pilot_support import choose, wait_for_screen, wait_until

from tui.app import ConvexBackupsApp
from tui.screens.restore.diff import DiffScreen
from tui.screens.main.screen import MainScreen
from tui.widgets.backup_table import BackupTable


async def _backup_then_break(target):
    ref = next(r for r in await target.list_deployments() if r.team == "acme-corp" and not r.is_prod)
    started = await target.request_backup(ref)
    async for _ in target.follow_backup(ref, started.id):
        pass
    client = await target.directory.client(ref.name)
    table = sorted(await client.user_tables())[0]
    documents = sorted([d async for d in client.iter_documents(table)], key=lambda d: d["_id"])
    assert len(documents) >= 5, "the demo table is too small for this test"
    await client.mutation(
        "_system/frontend/patchDocumentsFields",
        {"table": table, "ids": [documents[0]["_id"]], "fields": {"diffProbe": 1.5}},
    )
    await client.mutation(
        "_system/frontend/deleteDocuments", {"toDelete": [{"id": d["_id"], "tableName": table} for d in documents[1:3]]}
    )
    await client.mutation("_system/frontend/addDocument", {"table": "diff_probe", "documents": [{"n": 1.0}]})
    return ref, started.id, table, documents


async def test_compare_with_now_from_a_backup(open_demo):
    target = await open_demo()
    ref, backup_id, table, documents = await _backup_then_break(target)
    app = ConvexBackupsApp(target=target)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await choose(pilot, app, ref.name)
        backups = screen.query_one(BackupTable)
        await wait_until(pilot, lambda: any(b.id == backup_id for b in backups.shown), what="the backup listed")
        backups.move_cursor(row=[b.id for b in backups.shown].index(backup_id))
        await wait_until(pilot, lambda: backups.selected and backups.selected.id == backup_id, what="row")
        titles = [c.title for c in app.get_system_commands(screen)]
        assert "Compare with now" in titles
        await pilot.press("D")
        diff = await wait_for_screen(pilot, app, DiffScreen, what="the diff screen")
        await wait_until(pilot, lambda: diff.store is not None, timeout=90, what="the diff")
        counts = {t.table: t for t in diff.store.tables()}
        assert (counts[table].changed, counts[table].deleted, counts[table].created) == (1, 2, 0)
        assert counts[table].unchanged == len(documents) - 3
        assert (counts["diff_probe"].created, counts["diff_probe"].unchanged) == (1, 0)
        assert all(not t.differs for name, t in counts.items() if name not in (table, "diff_probe"))

        grid = diff.query_one("#diff-grid")
        grid.move_cursor(row=grid.get_row_index(table))
        await pilot.press("enter")
        await wait_until(pilot, lambda: diff.level == 1, what="the table's documents")
        assert grid.row_count == 3
        grid.move_cursor(row=grid.get_row_index(documents[0]["_id"]))
        await pilot.press("enter")
        await wait_until(pilot, lambda: diff.level == 2, what="the document's fields")
        assert [str(c) for c in grid.get_row("diffProbe")] == ["diffProbe", "(absent)", "—", "1.5", "Float64"]
        await pilot.press("escape")
        await wait_until(pilot, lambda: diff.level == 1, what="back to the documents")
        await pilot.press("escape")
        await wait_until(pilot, lambda: diff.level == 0, what="back to the tables")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="back on the main screen")


async def test_a_table_s_documents_page_by_page(tmp_path):
    """Two ZIPs on disk (no deployment): `]` and `[` turn pages of a table's documents, and coming back from a
    document keeps the page."""
    import sys
    from pathlib import Path

    from textual.app import App

    sys.path.insert(0, str(Path(__file__).parents[1] / "tui_snapshots"))
    from diff_data import write_pair

    screen = DiffScreen(None, None, None, paths=write_pair(tmp_path))
    screen.PAGE = 5

    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(screen)

    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: screen.store is not None, what="the diff")
        grid = screen.query_one("#diff-grid")
        grid.move_cursor(row=grid.get_row_index("orders"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.level == 1, what="the orders")
        first = [grid.get_row_at(i)[1] for i in range(grid.row_count)]
        assert len(first) == 5 and "page 1 of 3" in str(screen.query_one("#diff-status").render())
        await pilot.press("right_square_bracket", "right_square_bracket")
        last = [grid.get_row_at(i)[1] for i in range(grid.row_count)]
        assert len(last) == 3 and "page 3 of 3" in str(screen.query_one("#diff-status").render())
        await pilot.press("right_square_bracket")  # no page 4
        assert screen.page == 2
        await pilot.press("left_square_bracket")
        middle = [grid.get_row_at(i)[1] for i in range(grid.row_count)]
        assert len(middle) == 5 and not set(middle) & set(first) and not set(middle) & set(last)
        assert sorted(first + middle + last) == first + middle + last  # by id, none twice
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.level == 2, what="a document")
        await pilot.press("escape")
        await wait_until(pilot, lambda: screen.level == 1, what="back to the documents")
        assert screen.page == 1 and grid.get_row_at(grid.cursor_row)[1] == middle[0]
