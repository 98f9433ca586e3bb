"""The restore wizard's review says, per table, what a full restore does to the documents since the backup
(changed → reverted, created → removed, deleted → re-created, unchanged), from the rescue step's diff, before
anything is confirmed; against a real sandbox process (the demo world), driven by the Pilot."""

from __future__ import annotations

from host_app import HostApp
from restore_support import client_of, documents_of, take_backup, wait_until

from tui.screens.restore.wizard import RestoreWizard

DEV = "gentle-salmon-943"  # acme-corp, storefront, dev


def document_rows(text: str) -> dict[str, tuple[int, ...]]:
    """table -> (changed, created, deleted, unchanged) from the review's documents table."""
    rows = {}
    for line in text.splitlines()[3:]:
        name, *numbers = line.split()
        rows[name] = tuple(int(n.replace(",", "")) for n in numbers)
    return rows


async def test_the_review_shows_what_the_restore_does_to_each_tables_documents(demo, target):
    ref = await target.get_deployment(DEV)
    backup = await take_backup(target, ref)
    before = await documents_of(demo, DEV)
    first, last = sorted(before)[0], sorted(before)[-1]
    assert first != last and len(before[first]) >= 6
    async with client_of(demo, DEV) as client:  # after the backup: 2 edited, 3 deleted, 4 created
        docs = before[first]
        await client.mutation(
            "_system/frontend/patchDocumentsFields",
            {"table": first, "ids": [d["_id"] for d in docs[:2]], "fields": {"broken": True}},
        )
        await client.mutation(
            "_system/frontend/deleteDocuments", {"toDelete": [{"id": d["_id"], "tableName": first} for d in docs[2:5]]}
        )
        await client.mutation(
            "_system/frontend/addDocument", {"table": last, "documents": [{"junk": i} for i in range(4)]}
        )

    app = HostApp(lambda: RestoreWizard(target, ref, backup))
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = app.screen_under_test
        await wait_until(pilot, lambda: backup.id in wizard.query_one("SourceStep").backups, what="backups")
        await pilot.press("enter")
        await wait_until(pilot, lambda: wizard.stage == "safety-offer", what="the safety offer")
        await pilot.press("s", *"rehearsal on dev", "enter")
        await wait_until(pilot, lambda: wizard.stage in ("review", "stage-failed"), timeout=120, what="the plan")
        assert wizard.stage == "review" and wizard.rescue_path is not None
        text = str(wizard.query_one("#review-documents").render())
        assert not wizard.query_one("#review-documents").has_class("hidden")
        assert text.startswith(f"Documents since the backup, vs. a snapshot of {DEV} now:")
        assert "→ reverted" in text and "→ removed" in text and "→ re-created" in text
        expected = {table: (0, 0, 0, len(rows)) for table, rows in before.items()}
        expected[first] = (2, 0, 3, len(before[first]) - 5)
        expected[last] = (0, 4, 0, len(before[last]))
        expected["total"] = tuple(sum(column) for column in zip(*expected.values()))
        assert document_rows(text) == expected
        await pilot.press("escape")  # backing out drops the staged import: nothing was confirmed
        await wait_until(pilot, lambda: app.results, timeout=30, what="backing out")
    assert app.results == [None]
