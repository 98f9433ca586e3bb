"""The ZIP import dialog against a real sandbox: a good file is imported; one with a bad document is refused
before upload and nothing changes."""

from __future__ import annotations

import zipfile

from restore_support import client_of, documents_of, take_backup, wait_until
from host_app import HostApp

from tui.screens.restore.import_file import ImportFileDialog
from tui.services.downloads.downloader import download_export

SOURCE = "brave-marmot-193"
TARGET = "gentle-salmon-943"


async def downloaded_zip(demo, target, folder):
    ref = await target.get_deployment(SOURCE)
    backup = await take_backup(target, ref)
    async with client_of(demo, SOURCE) as client:
        result = await download_export(client, backup.snapshot_id, folder=folder)
    return result.path


async def run_import(app, pilot, path):
    dialog = app.screen_under_test
    await pilot.press(*str(path), "enter")
    await wait_until(pilot, lambda: dialog.stage == "safety-offer", what="the safety offer")
    await pilot.press("s", *"importing a test file", "enter")
    return dialog


async def test_a_good_zip_is_imported(demo, target, tmp_path):
    path = await downloaded_zip(demo, target, tmp_path / "zips")
    wanted = await documents_of(demo, SOURCE)
    ref = await target.get_deployment(TARGET)
    app = HostApp(lambda: ImportFileDialog(target, ref))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*str(tmp_path / "missing.zip"), "enter")
        await pilot.pause(0.1)
        assert app.screen_under_test.stage == "file"  # a path that does not exist is refused at once
        app.screen_under_test.query_one("#file-path").value = ""
        dialog = await run_import(app, pilot, path)
        await wait_until(pilot, lambda: dialog.stage == "review", what="the staged plan")
        assert dialog.plan.backup_id is None and path.name in dialog.plan.source
        await pilot.press("c", "y")
        await wait_until(pilot, lambda: dialog.stage == "done", what="the end of the import")
        assert dialog.result.ok
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.results, what="the result")
    assert app.results[0].ok
    assert await documents_of(demo, TARGET) == wanted


async def test_a_zip_with_a_bad_document_passes_the_first_check_and_is_refused_before_upload(demo, target, tmp_path):
    """The first step checks CRCs and sizes (a damaged file: tests/tui_restore/test_restore_anywhere.py);
    a document that does not decode is caught while staging, still before anything is uploaded."""
    good = await downloaded_zip(demo, target, tmp_path / "zips")
    bad = tmp_path / "bad-document.zip"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as out:
        broken = next(name for name in source.namelist() if name.endswith("documents.jsonl"))
        for info in source.infolist():
            out.writestr(info, b'{"_id": not json\n' if info.filename == broken else source.read(info))
    before = await documents_of(demo, TARGET)
    async with client_of(demo, TARGET) as client:
        imports_before = {i.id for i in await client.list_imports()}
    ref = await target.get_deployment(TARGET)
    app = HostApp(lambda: ImportFileDialog(target, ref))
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await run_import(app, pilot, bad)
        await wait_until(pilot, lambda: dialog.stage == "stage-failed", what="the refusal")
        text = str(dialog.query_one("#review-error").render())
        assert "Staging the data failed" in text and "What to do" in text
        assert dialog.plan is None
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.results == [None], what="backing out")
    assert await documents_of(demo, TARGET) == before
    async with client_of(demo, TARGET) as client:
        assert {i.id for i in await client.list_imports()} == imports_before  # nothing was uploaded
