"""The restore wizard keeps what a full restore would lose: before staging a full restore of a backup it
writes the documents changed or created since (in their current version) to a rescue ZIP beside the safety
backups and says where, against the real seeded sandbox."""

from __future__ import annotations

from pilot_support import choose, notes, record_notifications, wait_for_screen, wait_until
from test_diff_screen import _backup_then_break

from tui.app import ConvexBackupsApp
from tui.screens.restore.wizard import RestoreWizard
from tui.services.restore.documents import rescue_tables


async def test_the_wizard_saves_a_rescue_file_before_staging(open_demo):
    target = await open_demo()
    ref, backup_id, table, documents = await _backup_then_break(target)
    backup = await target.get_backup(ref, backup_id)
    app = ConvexBackupsApp(target=target)
    shown = record_notifications(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await choose(pilot, app, ref.name)
        app.push_screen(RestoreWizard(target, ref, backup))
        wizard = await wait_for_screen(pilot, app, RestoreWizard, what="the restore wizard")
        await wait_until(pilot, lambda: backup_id in wizard.query_one("SourceStep").backups, what="the backups")
        await pilot.press("enter")
        await wait_until(pilot, lambda: wizard.stage == "safety-offer", what="the safety offer")
        await pilot.press("s", *"a test deployment", "enter")
        await wait_until(pilot, lambda: wizard.stage in ("review", "stage-failed"), timeout=120, what="the staged plan")
        assert wizard.stage == "review"
        assert wizard.rescue_path is not None and wizard.rescue_path.is_file()
        assert wizard.rescue_path.stat().st_mode & 0o777 == 0o600
        assert rescue_tables(wizard.rescue_path) == {table: 1, "diff_probe": 1}  # changed 1, created 1
        assert any(str(wizard.rescue_path) in note for note in notes(shown))
        await pilot.press("escape")  # backing out drops the staged import; the rescue file stays
        await wait_until(pilot, lambda: not isinstance(app.screen, RestoreWizard), timeout=30, what="backed out")
