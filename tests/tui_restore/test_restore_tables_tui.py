"""The restore wizard's "only chosen tables" path (t on a backup) against a real sandbox, on production: the
backup's tables are listed, two are marked, the safety backup is taken, the review says which tables are
replaced and that the others are left alone, the typed name confirms, and afterwards those two tables are
the backup's while every other table is exactly as it was, document by document."""

from __future__ import annotations

from host_app import HostApp
from restore_support import client_of, documents_of, take_backup, wait_until

from tui.screens.restore.tables import TablesStep
from tui.screens.restore.wizard import RestoreWizard
from textual.widgets import SelectionList

PROD = "brave-marmot-193"  # acme-corp, storefront, prod


async def _write_junk_everywhere(demo, name: str) -> None:
    """After the backup: one junk document in every table, and two documents of the first table deleted."""
    async with client_of(demo, name) as client:
        tables = sorted(await client.user_tables())
        for table in tables:
            await client.mutation("_system/frontend/addDocument", {"table": table, "documents": [{"junk": 1}]})
        docs = [d async for d in client.iter_documents(tables[0])]
        await client.mutation(
            "_system/frontend/deleteDocuments",
            {"toDelete": [{"id": d["_id"], "tableName": tables[0]} for d in docs[:2]]},
        )


async def test_restore_two_tables_only_from_the_wizard(demo, target):
    ref = await target.get_deployment(PROD)
    backup = await take_backup(target, ref)
    at_backup = await documents_of(demo, PROD)
    await _write_junk_everywhere(demo, PROD)
    before = await documents_of(demo, PROD)
    tables = sorted(before)
    assert len(tables) >= 3
    chosen, others = tables[:2], tables[2:]

    app = HostApp(lambda: RestoreWizard(target, ref, backup))
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = app.screen_under_test
        await wait_until(pilot, lambda: backup.id in wizard.query_one("SourceStep").backups, what="backups")
        await pilot.press("t")
        assert wizard.stage == "tables"
        selection = wizard.query_one(TablesStep).query_one(SelectionList)
        await wait_until(pilot, lambda: selection.option_count, what="the backup's tables")
        assert [selection.get_option_at_index(i).prompt.plain for i in range(selection.option_count)][
            : len(tables)
        ] == tables
        await pilot.press("c")  # nothing marked yet: says so, stays
        assert wizard.stage == "tables"
        await pilot.press("space", "down", "space")
        assert wizard.query_one(TablesStep).marked == chosen
        await pilot.press("c")
        await wait_until(pilot, lambda: wizard.stage == "safety-offer", what="the safety offer")
        await pilot.press("b")
        await wait_until(pilot, lambda: wizard.stage == "safety-ready", timeout=90, what="the safety backup")
        await pilot.press("c")
        await wait_until(pilot, lambda: wizard.stage == "review", timeout=90, what="the staged plan")
        plan = wizard.plan
        assert plan.only_tables == tuple(chosen)
        assert sorted(c.table for c in plan.changes) == chosen
        review = str(wizard.query_one("#review-unchanged").render())
        assert f"Only {', '.join(chosen)} are replaced; every other table of {PROD} is left exactly as it is" in review
        await pilot.press("c")
        assert wizard.stage == "confirm"
        confirm = str(wizard.query_one("#confirm-summary").render())
        assert f"Only {', '.join(chosen)} are replaced; every other table is left as it is." in confirm
        await pilot.press(*PROD, "enter")
        await wait_until(pilot, lambda: wizard.stage == "done", timeout=90, what="the end of the restore")
        assert wizard.result.ok

    after = await documents_of(demo, PROD)
    for table in chosen:
        assert after[table] == at_backup[table], table  # the backup's documents, ids and times included
    for table in others:
        assert after[table] == before[table], table  # untouched, document by document
    assert sorted(after) == tables
