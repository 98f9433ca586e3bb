"""Restore from anywhere against a real sandbox: the wizard restores a ZIP on disk into a deployment
without backups; a damaged ZIP is refused at the first step with the commands that say more; a fast
restore ends with every table at its total, counted as the review counted it."""

from __future__ import annotations

import shutil

from restore_support import client_of, documents_of, take_backup, wait_until
from host_app import HostApp

from tui.screens.restore.import_file import ImportFileDialog
from tui.screens.restore.source import ZIP_CHOICE
from tui.screens.restore.wizard import RestoreWizard
from tui.services.downloads.downloader import download_export

SOURCE = "brave-marmot-193"  # acme-corp, storefront, prod
DEV = "gentle-salmon-943"  # acme-corp, storefront, dev
EMPTY = "quiet-sheep-258"  # acme-corp, team-tasks, dev: no backups of its own


async def downloaded_zip(demo, target, folder):
    ref = await target.get_deployment(SOURCE)
    backup = await take_backup(target, ref)
    async with client_of(demo, SOURCE) as client:
        result = await download_export(client, backup.snapshot_id, folder=folder)
    return result.path


def damaged_copy(good, bad):
    shutil.copy(good, bad)
    data = bytearray(bad.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)  # zeroes inside a compressed entry: its CRC cannot match
    bad.write_bytes(bytes(data))
    return bad


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def test_the_wizard_restores_a_zip_on_disk_into_a_deployment_without_backups(demo, target, tmp_path):
    path = await downloaded_zip(demo, target, tmp_path / "zips")
    wanted = await documents_of(demo, SOURCE)
    ref = await target.get_deployment(EMPTY)
    assert not await target.list_backups(ref)
    app = HostApp(lambda: RestoreWizard(target, ref))
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = app.screen_under_test
        step = wizard.query_one("SourceStep")
        await wait_until(pilot, lambda: "has no backups" in text_of(step, "#source-note"), what="the empty note")
        await pilot.press("y")  # a key of a later step says why it does nothing yet
        await wait_until(pilot, lambda: app.shown, what="the reason")
        assert "first choose what to restore" in list(app.shown)[-1].message
        step.query_one("#source-deployment").value = ZIP_CHOICE
        await wait_until(pilot, lambda: step.query_one("#file-path").has_focus, what="the path box")
        await pilot.press(*str(path), "enter")
        await wait_until(pilot, lambda: wizard.stage == "safety-offer", what="the safety offer")
        assert "every CRC and size is right" in text_of(step, "#file-note")
        await pilot.press("s", *"an empty deployment: nothing to keep", "enter")
        await wait_until(pilot, lambda: wizard.stage == "review", what="the staged plan")
        assert wizard.plan.backup_id is None and path.name in wizard.plan.source
        await pilot.press("c", "y")
        await wait_until(pilot, lambda: wizard.stage == "done", what="the end of the restore")
        assert wizard.result.ok
    assert await documents_of(demo, EMPTY) == wanted


async def test_a_damaged_zip_is_refused_at_the_first_step_with_advice(demo, target, tmp_path):
    bad = damaged_copy(await downloaded_zip(demo, target, tmp_path / "zips"), tmp_path / "damaged.zip")
    ref = await target.get_deployment(DEV)
    backups_before = len(await target.list_backups(ref))
    async with client_of(demo, DEV) as client:
        imports_before = len(await client.list_imports())
    app = HostApp(lambda: ImportFileDialog(target, ref))
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = app.screen_under_test
        await pilot.press(*str(bad), "enter")
        await wait_until(pilot, lambda: "Refused" in text_of(dialog, "#file-note"), what="the refusal")
        note = text_of(dialog, "#file-note")
        assert "damaged.zip is damaged" in note and "Nothing was uploaded" in note
        assert f"convex-backups verify {bad}" in note and f"convex-backups inspect {bad}" in note
        assert dialog.stage == "file" and dialog.plan is None  # no safety step, no staging
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.results == [None], what="backing out")
    assert len(await target.list_backups(ref)) == backups_before
    async with client_of(demo, DEV) as client:
        assert len(await client.list_imports()) == imports_before  # nothing was uploaded


async def test_a_fast_restore_ends_with_every_table_at_its_total(demo, target):
    ref = await target.get_deployment(DEV)
    backup = await take_backup(target, ref)
    app = HostApp(lambda: RestoreWizard(target, ref, backup))
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = app.screen_under_test
        await wait_until(pilot, lambda: backup.id in wizard.query_one("SourceStep").backups, what="backups")
        await pilot.press("enter")
        await wait_until(pilot, lambda: wizard.stage == "safety-offer", what="the safety offer")
        await pilot.press("u")  # the backup just taken is the safety copy: reused because the operator says so
        await wait_until(pilot, lambda: wizard.stage == "safety-ready", what="the recent backup")
        await pilot.press("c")
        await wait_until(pilot, lambda: wizard.stage == "review", what="the staged plan")
        plan = wizard.plan
        await pilot.press("c", "y")
        await wait_until(pilot, lambda: wizard.stage == "done", what="the end of the restore")
        assert wizard.result.ok
        await pilot.pause()
        rows = {
            str(row.query_one(".table-name").render()): str(row.query_one(".table-count").render())
            for row in wizard.query("TableProgressRow")
        }
        assert set(rows) == {change.table for change in plan.changes}
        for change in plan.changes:
            unit = "files" if change.table == "_storage" else "documents"
            assert rows[change.table] == f"{change.rows_to_write:,} / {change.rows_to_write:,} {unit} written"
        documents = sum(c.rows_to_write for c in plan.changes if c.table != "_storage")
        files = sum(c.rows_to_write for c in plan.changes if c.table == "_storage")
        review = text_of(wizard, "#review-summary")
        result = text_of(wizard, "#follow-result")
        written = f"{documents:,} documents" + (f" and {files:,} files" if files else "")
        assert f"it writes {written}" in review and f"{written} written" in result
        counts = f"{documents:,} / {documents:,} documents" + (f" and {files:,} / {files:,} files" if files else "")
        assert text_of(wizard, "#follow-counts").startswith(f"{counts} written")
        assert wizard.result.rows_written == documents


async def test_a_zip_that_no_longer_matches_its_sha256_file_is_refused_at_the_first_step(demo, target, tmp_path):
    path = await downloaded_zip(demo, target, tmp_path / "zips")
    sidecar = path.with_name(path.name + ".sha256")
    assert sidecar.is_file()  # every download writes one
    sidecar.write_text(f"{'0' * 64}  {path.name}\n")
    ref = await target.get_deployment(EMPTY)
    app = HostApp(lambda: ImportFileDialog(target, ref))
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = app.screen_under_test
        await pilot.press(*str(path), "enter")
        await wait_until(pilot, lambda: "Refused" in text_of(dialog, "#file-note"), what="the refusal")
        note = text_of(dialog, "#file-note")
        assert f"{path.name}.sha256" in note and "convex-backups verify" in note
        assert dialog.stage == "file"
