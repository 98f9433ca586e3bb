"""The restore wizard end to end against a real sandbox process (the demo world), driven by the Pilot."""

from __future__ import annotations

from restore_support import break_data, client_of, documents_of, take_backup, wait_until
from host_app import HostApp

from tui.screens.restore.wizard import RestoreWizard
from tui.widgets.typed_confirmation import TypedConfirmation

DEV = "gentle-salmon-943"  # acme-corp, storefront, dev
PROD = "brave-marmot-193"  # acme-corp, storefront, prod
OTHER = "quiet-sheep-258"  # acme-corp, team-tasks, dev, no backups


async def imports_of(demo, name):
    async with client_of(demo, name) as client:
        return await client.list_imports()


async def stage_skipping_safety(pilot, wizard, reason: str) -> None:
    """Pick the first backup, skip the safety backup with `reason`, and wait for the staged plan."""
    await wait_until(pilot, lambda: wizard.query_one("SourceStep").backups, what="backups")
    await pilot.press("enter")
    await wait_until(pilot, lambda: wizard.stage == "safety-offer", what="the safety offer")
    await pilot.press("s", *reason, "enter")
    await wait_until(pilot, lambda: wizard.stage == "review", what="the staged plan")


async def test_restore_end_to_end_puts_the_backups_data_back(demo, target):
    ref = await target.get_deployment(DEV)
    backup = await take_backup(target, ref)
    before = await documents_of(demo, DEV)
    await break_data(demo, DEV)
    assert await documents_of(demo, DEV) != before

    app = HostApp(lambda: RestoreWizard(target, ref, backup))
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = app.screen_under_test
        await wait_until(pilot, lambda: backup.id in wizard.query_one("SourceStep").backups, what="backups")
        await pilot.press("enter")
        await wait_until(pilot, lambda: wizard.stage == "safety-offer", what="the safety offer")
        await pilot.press("u")  # taken a moment ago, with file storage: reused because the operator says so
        await wait_until(pilot, lambda: wizard.stage == "safety-ready", what="the recent backup")
        assert wizard.safety_backup_id == backup.id
        await pilot.press("c")
        await wait_until(pilot, lambda: wizard.stage == "review", what="the staged plan")
        assert wizard.plan.changes and wizard.plan.backup_id == backup.id
        # Convex's dashboard would confirm this staged cloud restore on its own: the review says so.
        status = str(wizard.query_one("#review-status").render())
        assert "dashboard starts a staged cloud restore by itself" in status and f"Backups page of {DEV}" in status
        await pilot.press("c")
        assert wizard.stage == "confirm"
        await pilot.press("r")  # the key that started the flow does nothing here
        assert wizard.stage == "confirm"
        await pilot.press("y")
        await wait_until(pilot, lambda: wizard.stage == "done", what="the end of the restore")
        assert wizard.result.ok and wizard.result.rows_written
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.results, what="the result")
    assert app.results[0].ok
    assert await documents_of(demo, DEV) == before


async def test_production_offers_a_safety_backup_and_needs_its_typed_name(demo, target):
    ref = await target.get_deployment(PROD)
    assert ref.is_prod
    count = len(await target.list_backups(ref))
    app = HostApp(lambda: RestoreWizard(target, ref))
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = app.screen_under_test
        await wait_until(pilot, lambda: wizard.query_one("SourceStep").backups, what="backups")
        await pilot.press("enter")
        await wait_until(pilot, lambda: wizard.stage == "safety-offer", what="the safety offer")
        await pilot.press("b")
        await wait_until(pilot, lambda: wizard.stage == "safety-ready", timeout=90, what="the safety backup")
        backups = await target.list_backups(ref)
        assert len(backups) == count + 1 and backups[0].state == "complete"
        assert wizard.safety_backup_id == backups[0].id
        await pilot.press("c")
        await wait_until(pilot, lambda: wizard.stage == "review", what="the staged plan")
        await pilot.press("c")
        await pilot.press("y")  # no single key confirms a production restore
        assert wizard.stage == "confirm"
        await pilot.press(*"brave-marmot-139", "enter")  # a typo: refused
        await pilot.pause(0.2)
        assert wizard.stage == "confirm"
        states = [i.state for i in await imports_of(demo, PROD) if i.id == wizard.plan.import_id]
        assert states == ["waiting_for_confirmation"]
        typed = wizard.query_one(TypedConfirmation)
        assert "Refused" in str(typed.query_one(".typed-feedback").render())
        typed.input.value = ""
        await pilot.press(*PROD, "enter")
        await wait_until(pilot, lambda: wizard.stage == "done", what="the end of the restore")
        assert wizard.result.ok


async def test_esc_backs_out_and_drops_the_staged_import(demo, target):
    ref = await target.get_deployment(DEV)
    before = await documents_of(demo, DEV)
    app = HostApp(lambda: RestoreWizard(target, ref))
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = app.screen_under_test
        await stage_skipping_safety(pilot, wizard, "rehearsal on dev")
        import_id = wizard.plan.import_id
        await pilot.press("c")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.results, what="backing out")
        assert app.results == [None]
        assert app.screen is not wizard and app.is_running  # esc left the wizard, not the app
    states = {i.id: i.state for i in await imports_of(demo, DEV)}
    assert states[import_id] not in ("waiting_for_confirmation", "in_progress", "completed")
    assert await documents_of(demo, DEV) == before


async def test_restore_into_another_deployment_of_the_team(demo, target):
    source = await target.get_deployment(PROD)
    backup = await take_backup(target, source)
    wanted = await documents_of(demo, PROD)
    ref = await target.get_deployment(OTHER)
    app = HostApp(lambda: RestoreWizard(target, ref, backup))
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = app.screen_under_test
        step = wizard.query_one("SourceStep")
        await wait_until(pilot, lambda: backup.id in step.backups, what="the other deployment's backups")
        assert step.source_name == PROD
        await pilot.press("enter")
        await wait_until(pilot, lambda: wizard.stage == "safety-offer", what="the safety offer")
        await pilot.press("s", *"short")  # too short: refused
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert wizard.stage == "safety-reason"
        await pilot.press(*" - empty dev deployment", "enter")
        await wait_until(pilot, lambda: wizard.stage == "review", what="the staged plan")
        assert PROD in wizard.plan.source
        await pilot.press("c", "y")
        await wait_until(pilot, lambda: wizard.stage == "done", what="the end of the restore")
        assert wizard.result.ok and wizard.skip_reason == "short - empty dev deployment"
    assert await documents_of(demo, OTHER) == wanted


async def test_a_stopped_sandbox_is_a_clear_error_not_a_crash(demo, target):
    ref = await target.get_deployment(DEV)
    before = await documents_of(demo, DEV)
    app = HostApp(lambda: RestoreWizard(target, ref))
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = app.screen_under_test
        await stage_skipping_safety(pilot, wizard, "testing the error path")
        await pilot.press("c")
        demo.stop()
        await pilot.press("y")
        await wait_until(
            pilot,
            lambda: (
                wizard.stage == "confirm"
                and "confirm-error" in [w.id for w in wizard.query(".error-box") if not w.has_class("hidden")]
            ),
            timeout=120,
            what="the error",
        )
        text = str(wizard.query_one("#confirm-error").render())
        assert "Starting the restore failed" in text and "What to do" in text
        assert app.is_running and wizard.result is None
    demo.start()
    assert await documents_of(demo, DEV) == before
