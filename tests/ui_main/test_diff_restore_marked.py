"""Marking on the diff screen and `R`: a table marked with space is restored from the backup document by
document (a fresh safety backup first, the review, `y`), the result checked by a second snapshot, and the diff
compared again shows that table as in the backup while the table created since is left as it is."""

from __future__ import annotations

from pilot_support import choose, wait_for_screen, wait_until
from test_diff_screen import _backup_then_break

from tui.app import ConvexBackupsApp
from tui.screens.restore.diff import DiffScreen
from tui.screens.restore.documents import DocumentsRestoreScreen
from tui.widgets.backup_table import BackupTable


async def test_mark_a_table_and_restore_it(open_demo):
    target = await open_demo()
    ref, backup_id, table, documents = await _backup_then_break(target)
    client = await target.directory.client(ref.name)
    backups_before = len(await target.list_backups(ref))
    app = ConvexBackupsApp(target=target)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await choose(pilot, app, ref.name)
        backups = screen.query_one(BackupTable)
        await wait_until(pilot, lambda: any(b.id == backup_id for b in backups.shown), what="the backup listed")
        backups.move_cursor(row=[b.id for b in backups.shown].index(backup_id))
        await wait_until(pilot, lambda: backups.selected and backups.selected.id == backup_id, what="row")
        await pilot.press("D")
        diff = await wait_for_screen(pilot, app, DiffScreen, what="the diff screen")
        await wait_until(pilot, lambda: diff.store is not None, timeout=90, what="the diff")

        await pilot.press("R")  # nothing marked yet: says so, opens nothing
        assert "Nothing marked" in str(diff.query_one("#diff-status").render())
        assert app.screen is diff
        grid = diff.query_one("#diff-grid")
        grid.move_cursor(row=grid.get_row_index(table))
        await pilot.press("space")
        assert diff.marked_tables == {table}
        assert str(grid.get_row(table)[0]) == f"✓ {table}"

        await pilot.press("R")
        restore = await wait_for_screen(pilot, app, DocumentsRestoreScreen, what="the documents restore")
        await wait_until(pilot, lambda: restore.state in ("review", "failed"), timeout=120, what="the review")
        assert restore.state == "review", str(restore.query_one("#documents-status").render())
        review = str(restore.query_one("#documents-lines").render())
        assert "revert 1 changed, re-create 2 deleted, remove 0 created since" in review
        assert "Safety backup:" in review and "Writes made to these tables" in review
        assert len(await target.list_backups(ref)) == backups_before + 1  # the fresh safety backup
        assert sorted([d async for d in client.iter_documents(table)], key=lambda d: d["_id"]) != documents

        await pilot.press("y")
        await wait_until(pilot, lambda: restore.state in ("done", "failed"), timeout=120, what="the restore")
        assert restore.state == "done", str(restore.query_one("#documents-status").render())
        assert restore.verification.ok and restore.verification.as_planned == 3
        assert sorted([d async for d in client.iter_documents(table)], key=lambda d: d["_id"]) == documents
        assert len([d async for d in client.iter_documents("diff_probe")]) == 1  # not marked: left as it is

        await pilot.press("escape")
        await wait_until(
            pilot, lambda: app.screen is diff and diff.store is not None, timeout=90, what="the diff compared again"
        )
        counts = {t.table: t for t in diff.store.tables()}
        assert not counts[table].differs and counts["diff_probe"].created == 1


async def test_on_production_one_marked_document_is_restored_after_the_name_is_typed(open_demo):
    from textual.app import App

    from tui.widgets.typed_confirmation import TypedConfirmation

    target = await open_demo()
    ref = next(r for r in await target.list_deployments() if r.team == "acme-corp" and r.is_prod)
    started = await target.request_backup(ref)
    async for _ in target.follow_backup(ref, started.id):
        pass
    backup = await target.get_backup(ref, started.id)
    client = await target.directory.client(ref.name)
    table = sorted(await client.user_tables())[0]
    documents = sorted([d async for d in client.iter_documents(table)], key=lambda d: d["_id"])
    await client.mutation(
        "_system/frontend/deleteDocuments", {"toDelete": [{"id": d["_id"], "tableName": table} for d in documents[:2]]}
    )
    diff = DiffScreen(target, ref, backup)

    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(diff)

    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: diff.store is not None, timeout=90, what="the diff")
        grid = diff.query_one("#diff-grid")
        grid.move_cursor(row=grid.get_row_index(table))
        await pilot.press("enter")
        await wait_until(pilot, lambda: diff.level == 1, what="the table's documents")
        grid.move_cursor(row=grid.get_row_index(documents[0]["_id"]))
        await pilot.press("space")  # only the first of the two deleted documents
        assert diff.marked_documents == {table: {documents[0]["_id"]}}
        await pilot.press("R")
        restore = await wait_for_screen(pilot, app, DocumentsRestoreScreen, what="the documents restore")
        await wait_until(pilot, lambda: restore.state in ("review", "failed"), timeout=120, what="the review")
        assert restore.state == "review", str(restore.query_one("#documents-status").render())
        assert "revert 0 changed, re-create 1 deleted" in str(restore.query_one("#documents-lines").render())
        assert restore.check_action("confirm", ()) is False  # production: y is not enough
        await pilot.press("y")
        assert restore.state == "review"
        typed = restore.query_one(TypedConfirmation)
        assert typed.display and typed.input.has_focus
        await pilot.press(*"wrong", "enter")
        assert restore.state == "review"
        typed.input.value = ""
        await pilot.press(*ref.name, "enter")
        await wait_until(pilot, lambda: restore.state in ("done", "failed"), timeout=120, what="the restore")
        assert restore.state == "done" and restore.verification.ok
        now = sorted([d async for d in client.iter_documents(table)], key=lambda d: d["_id"])
        assert now == [documents[0], *documents[2:]]  # back with its own id and creation time; the other not
