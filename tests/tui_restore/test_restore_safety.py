"""The restore wizard's safety step against a real sandbox (the demo world), driven by the Pilot: a recent
backup without file storage never stands in for the safety backup of a deployment with files, and a
Starter deployment at its backup limit is offered a local safety snapshot that uses no slot (then the
restore goes on)."""

from __future__ import annotations

import json
import stat

from restore_support import client_of, documents_of, wait_until
from host_app import HostApp
from textual.widgets import Static

from tui.screens.restore.wizard import RestoreWizard

DEV = "gentle-salmon-943"  # acme-corp (Pro), storefront, dev; the demo seeds files into every deployment
STARTER_SECRET = "sk-live-starter-safety-9137"


async def backup_without_files(target, ref):
    started = await target.request_backup(ref, include_storage=False)
    async for _ in target.follow_backup(ref, started.id):
        pass
    return await target.get_backup(ref, started.id)


def screen_text(wizard) -> str:
    return "\n".join(str(widget.render()) for widget in wizard.query(Static))


async def test_a_recent_backup_without_files_is_not_the_safety_backup(demo, target):
    ref = await target.get_deployment(DEV)
    async with client_of(demo, DEV) as client:
        assert await client.query("_system/frontend/fileStorageV2:numFiles", {}) > 0
    recent = await backup_without_files(target, ref)
    assert recent.state == "complete" and not recent.include_storage
    app = HostApp(lambda: RestoreWizard(target, ref, recent))
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = app.screen_under_test
        await wait_until(pilot, lambda: recent.id in wizard.query_one("SourceStep").backups, what="backups")
        await pilot.press("enter")
        await wait_until(pilot, lambda: wizard.stage == "safety-offer", what="the safety offer")
        assert wizard.safety_backup_id is None  # nothing counts as the safety backup by itself
        assert "has no file storage" in screen_text(wizard)
        await pilot.press("u")  # the storage-less backup cannot be reused: a line says why
        await wait_until(pilot, lambda: "u does nothing here" in screen_text(wizard), what="why u does nothing")
        assert wizard.stage == "safety-offer"
        await pilot.press("b")
        await wait_until(pilot, lambda: wizard.stage == "safety-ready", timeout=120, what="the fresh backup")
        fresh = await target.get_backup(ref, wizard.safety_backup_id)
        assert fresh.id != recent.id and fresh.state == "complete" and fresh.include_storage
        await pilot.press("c")
        await wait_until(pilot, lambda: wizard.stage == "review", what="the staged plan")
        assert wizard.plan.safety_backup_id == fresh.id
        await pilot.press("c", "y")
        await wait_until(pilot, lambda: wizard.stage == "done", timeout=120, what="the end of the restore")
        assert wizard.result.ok


async def starter_at_its_limit(target):
    for ref in await target.list_deployments():
        if ref.team == "indie-studio" and (await target.plan_limits(ref)).at_backup_limit:
            return ref
    raise AssertionError("the demo world has a Starter deployment at its backup limit")


async def test_a_starter_deployment_at_its_limit_restores_after_a_local_safety_snapshot(demo, target):
    ref = await starter_at_its_limit(target)
    async with client_of(demo, ref.name) as client:
        await client.update_env({"STARTER_API_KEY": STARTER_SECRET})
    backups = await target.list_backups(ref)
    chosen = next(b for b in backups if b.state == "complete")
    async with client_of(demo, ref.name) as client:  # what the chosen backup should bring back
        await client.mutation("_system/frontend/addDocument", {"table": "junk_after_backup", "documents": [{"x": 1}]})
    app = HostApp(lambda: RestoreWizard(target, ref, chosen))
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = app.screen_under_test
        await wait_until(pilot, lambda: chosen.id in wizard.query_one("SourceStep").backups, what="backups")
        await pilot.press("enter")
        await wait_until(pilot, lambda: wizard.stage == "safety-offer", what="the safety offer")
        assert wizard.safety_options.at_limit and wizard.safety_options.recommended == "local"
        text = screen_text(wizard)
        assert "l local safety snapshot (recommended)" in text and "b back up now" not in text
        await pilot.press("b")  # a fresh cloud backup would be refused: the key says why, nothing is sent
        await wait_until(pilot, lambda: "b does nothing here" in screen_text(wizard), what="why b does nothing")
        assert wizard.stage == "safety-offer"
        await pilot.press("l")
        await wait_until(pilot, lambda: wizard.stage == "safety-ready", timeout=120, what="the local snapshot")
        assert STARTER_SECRET not in screen_text(wizard)
        folder = target.local_backup_folder(ref) / wizard.safety_backup_id
        assert str(folder) in screen_text(wizard).replace("\n", "")
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["include_storage"] and manifest["env_saved"] and (folder / "snapshot.zip").stat().st_size
        env = folder / "env.json"
        assert stat.S_IMODE(env.stat().st_mode) == 0o600
        assert json.loads(env.read_text())["values"]["STARTER_API_KEY"] == STARTER_SECRET
        await pilot.press("c")
        await wait_until(pilot, lambda: wizard.stage == "review", what="the staged plan")
        await pilot.press("c")
        assert "local safety snapshot" in screen_text(wizard)
        await pilot.press(*ref.name, "enter")  # production: the typed name confirms
        await wait_until(pilot, lambda: wizard.stage == "done", timeout=120, what="the end of the restore")
        assert wizard.result.ok
    assert len(await target.list_backups(ref)) == len(backups)  # no backup slot was used
    assert "junk_after_backup" not in await documents_of(demo, ref.name)


async def test_at_the_limit_the_oldest_backup_is_kept_on_disk_before_it_is_deleted(demo, target):
    ref = await starter_at_its_limit(target)
    backups = [b for b in await target.list_backups(ref) if b.state == "complete"]
    oldest = min(backups, key=lambda b: b.completed or b.requested)
    app = HostApp(lambda: RestoreWizard(target, ref, backups[0]))
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = app.screen_under_test
        await wait_until(pilot, lambda: wizard.query_one("SourceStep").backups, what="backups")
        await pilot.press("enter")
        await wait_until(pilot, lambda: wizard.stage == "safety-offer", what="the safety offer")
        assert f"o downloads backup {oldest.id} (the oldest)" in screen_text(wizard)
        await pilot.press("o")  # deleting a backup asks again, with another key
        assert wizard.stage == "safety-oldest-ask" and "DELETED" in screen_text(wizard)
        await pilot.press("o")
        assert wizard.stage == "safety-oldest-ask"
        await pilot.press("escape")  # back to the choices, not out of the restore
        assert wizard.stage == "safety-offer" and len(await target.list_backups(ref)) == len(backups)
        await pilot.press("o", "d")
        await wait_until(pilot, lambda: wizard.stage == "safety-ready", timeout=180, what="the freed slot's backup")
        fresh = await target.get_backup(ref, wizard.safety_backup_id)
        assert fresh.state == "complete" and fresh.include_storage
    after = {b.id for b in await target.list_backups(ref)}
    assert oldest.id not in after and fresh.id in after and len(after) == len(backups)
    kept = list(target.local_backup_folder(ref).glob("snapshot_*.zip"))
    assert len(kept) == 1 and kept[0].stat().st_size == oldest.size
    assert kept[0].with_name(kept[0].name + ".sha256").exists()


async def test_a_restore_convex_would_refuse_is_refused_before_any_safety_backup(demo, target):
    ref = await target.get_deployment(DEV)
    backup = next(b for b in await target.list_backups(ref) if b.state == "complete")
    # a restore left waiting for confirmation on the target (a dashboard tab closed half way): Convex refuses
    # the next one (`RestoreInProgress`), so no safety backup may be spent on it
    await target.platform.restore_from_cloud_backup(int(ref.id), int(backup.id))
    count = len(await target.list_backups(ref))
    app = HostApp(lambda: RestoreWizard(target, ref, backup))
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = app.screen_under_test
        await wait_until(pilot, lambda: backup.id in wizard.query_one("SourceStep").backups, what="backups")
        await pilot.press("enter")
        await wait_until(pilot, lambda: wizard.stage == "safety-refused", what="the refusal")
        assert "Refused before anything was done" in screen_text(wizard)
        assert "a second restore would be refused" in screen_text(wizard).replace("\n", " ")
        await pilot.press("b", "l", "s")  # nothing to choose: no key takes a backup
        await pilot.pause(0.2)
        assert wizard.stage == "safety-refused"
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.results, what="backing out")
    assert len(await target.list_backups(ref)) == count
