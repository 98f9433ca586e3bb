"""Every binding id the help screen shows can be remapped in config.toml's `[ui.keys]` (tui/bindings.py):
the registry of ids matches what the screens declare, and for each family of screens an id remapped in a
real config.toml moves its action to the new key in the real app, against the seeded sandbox."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import SimpleNamespace

from deployment_data import take_backup
from pilot_support import choose, notes, wait_for_screen, wait_until
from textual.binding import Binding
from textual.dom import DOMNode

import tui.screens
import tui.widgets
from tui import bindings as keys
from tui.app import ConvexBackupsApp
from tui.screens.dialogs.backup_now import BackupNowDialog
from tui.screens.restore.diff import DiffScreen
from tui.screens.emergency.screen import EmergencyScreen
from tui.screens.main.env_vars import EnvVarsScreen
from tui.screens.dialogs.help import HelpScreen
from tui.screens.main.inspect_backup import InspectScreen
from tui.screens.main.screen import MainScreen
from tui.screens.dialogs.periodic import PeriodicDialog
from tui.screens.restore.wizard import RestoreWizard
from tui.services.config.settings import load_config
from tui.widgets.backup_table import BackupTable

SOURCE = "brave-marmot-193"  # acme-corp, storefront, prod
EMPTY = "quiet-sheep-258"  # acme-corp, team-tasks, dev: no backups of its own
DEV = "gentle-salmon-943"  # acme-corp, storefront, dev


def declared_binding_ids() -> set[str]:
    """The ids of every `Binding` a screen or widget of the app declares."""
    ids = set()
    for package in (tui.screens, tui.widgets):
        for module_info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            module = importlib.import_module(module_info.name)
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, DOMNode) and cls.__module__ == module.__name__:
                    ids.update(b.id for b in cls.__dict__.get("BINDINGS", []) if isinstance(b, Binding) and b.id)
    return ids


def config_with_keys(homes, **remaps: str):
    """The config the app reads, from a real config.toml holding `[ui.keys]`."""
    homes.config_dir.mkdir(parents=True, exist_ok=True)
    lines = ["[ui.keys]", *(f'{id} = "{key}"' for id, key in remaps.items())]
    homes.config_file.write_text("\n".join(lines) + "\n")
    return load_config(homes)


def test_every_declared_binding_id_is_remappable_and_every_listed_id_exists():
    declared = declared_binding_ids() | {spec.id for spec in keys.APP_KEYS}
    assert declared == keys.REMAPPABLE, (
        f"declared but not remappable: {sorted(declared - keys.REMAPPABLE)}; "
        f"listed but declared nowhere: {sorted(keys.REMAPPABLE - declared)}"
    )


def test_screen_ids_are_accepted_twins_follow_and_a_confirm_key_never_starts():
    keymap, warnings = keys.keymap_from_config(
        {"keys": {"restore_safety_backup": "B", "emergency_run": "G", "diff_mark": "M", "not_an_id": "x"}}
    )
    assert keymap == {
        "restore_safety_backup": "B",
        "restore_safety_backup_why": "B",
        "emergency_run": "G",
        "diff_mark": "M",
    }
    assert warnings == ["[ui.keys] names 'not_an_id', which is not a binding id (see the help screen)."]
    keymap, warnings = keys.keymap_from_config({"keys": {"restore_confirm": "r"}})
    assert keymap == {} and "restore_confirm cannot be a key of restore_backup" in warnings[0]
    keymap, warnings = keys.keymap_from_config({"keys": {"restore_backup": "R", "restore_confirm": "r"}})
    assert keymap == {"restore_backup": "R", "restore_confirm": "r"} and not warnings


async def test_main_and_backup_dialog_keys_remapped_from_config(open_demo, homes):
    config = config_with_keys(homes, backup_now="B", backup_files="F")
    app = ConvexBackupsApp(target=await open_demo(), config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await choose(pilot, app, DEV)
        await pilot.press("b")  # the old key does nothing now
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("B")
        dialog = await wait_for_screen(pilot, app, BackupNowDialog, what="the backup dialog on B")
        files = dialog.query_one("#files")
        await pilot.press("f")
        assert files.value is False
        await pilot.press("F")
        await wait_until(pilot, lambda: files.value is True, what="F to include files")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="back on the main screen")


async def test_env_screen_key_remapped_from_config(open_demo, homes):
    config = config_with_keys(homes, env_save="S")
    app = ConvexBackupsApp(target=await open_demo(), config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await choose(pilot, app, DEV)
        await pilot.press("e")
        screen = await wait_for_screen(pilot, app, EnvVarsScreen, what="the env vars screen")
        await wait_until(pilot, lambda: screen.live is not None, what="the live set")
        before = len(screen.saved)
        await pilot.press("S")
        await wait_until(pilot, lambda: len(screen.saved) == before + 1, what="the set saved with S")


async def test_restore_wizard_key_remapped_from_config(open_demo, homes):
    target = await open_demo()
    backup = await take_backup(target, await target.get_deployment(SOURCE))
    config = config_with_keys(homes, restore_skip_safety="k")
    app = ConvexBackupsApp(target=target, config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await choose(pilot, app, EMPTY)
        await pilot.press("r")
        wizard = await wait_for_screen(pilot, app, RestoreWizard, what="the restore wizard")
        step = wizard.query_one("SourceStep")
        await wait_until(pilot, lambda: SOURCE in step.deployments, what="the team's deployments")
        await pilot.press("enter", *["down"] * list(step.deployments).index(SOURCE), "enter")
        await wait_until(pilot, lambda: backup.id in step.backups, what="the other deployment's backups")
        await pilot.press("enter")
        await wait_until(pilot, lambda: wizard.stage == "safety-offer", what="the safety offer")
        await pilot.press("k", *"an empty deployment: nothing to keep", "enter")
        await wait_until(pilot, lambda: wizard.stage == "review", what="the plan, safety skipped with k")
        before = len(notes(app))
        await pilot.press("k")  # skipping is over: the remapped key says why it does nothing now
        await wait_until(pilot, lambda: len(notes(app)) > before, what="why k does nothing now")
        assert notes(app)[-1].startswith("k (Skip (say why)) does nothing now"), notes(app)[-1]
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="back on the main screen")


async def test_emergency_checklist_key_remapped_from_config(open_demo, homes):
    config = config_with_keys(homes, emergency_run="G")
    session = SimpleNamespace(homes=homes, config=config, warnings=[], spec=None)
    app = ConvexBackupsApp(target=await open_demo(), config=config, session=session, emergency=DEV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_for_screen(pilot, app, EmergencyScreen, what="the checklist")
        await wait_until(pilot, lambda: screen.mode == "steps", what="its steps")
        table = screen.query_one("#em-table")
        await wait_until(pilot, lambda: table.display and table.row_count, what="the deployments")
        table.move_cursor(row=[str(k.value) for k in table.rows].index(DEV))
        await pilot.press("g")  # the old key does nothing now
        await pilot.pause()
        assert screen.checklist.steps[0].status == "pending"
        await pilot.press("G")
        await wait_until(
            pilot,
            lambda: screen.checklist.steps[0].status == "done" and screen.checklist.deployment == DEV,
            what="the deployment chosen with G",
        )


async def test_app_inspect_and_diff_keys_remapped_from_config(open_demo, homes):
    target = await open_demo()
    backup = await take_backup(target, await target.get_deployment(DEV))
    config = config_with_keys(homes, help="f2", inspect_back="h", diff_back="h")
    app = ConvexBackupsApp(target=target, config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await choose(pilot, app, DEV)
        backups = screen.query_one(BackupTable)
        await wait_until(pilot, lambda: any(b.id == backup.id for b in backups.shown), what="the backup listed")
        backups.move_cursor(row=[b.id for b in backups.shown].index(backup.id))
        await wait_until(pilot, lambda: backups.selected and backups.selected.id == backup.id, what="its row")
        await pilot.press("f2")
        await wait_for_screen(pilot, app, HelpScreen, what="help on f2")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="help closed")

        await pilot.press("i")
        inspect_screen = await wait_for_screen(pilot, app, InspectScreen, what="the inspect screen")
        await wait_until(pilot, lambda: inspect_screen.body is not None, timeout=60, what="the inspected backup")
        await pilot.press("h")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="back from inspect on h")

        await pilot.press("D")
        diff = await wait_for_screen(pilot, app, DiffScreen, what="the diff screen")
        await wait_until(pilot, lambda: diff.store is not None, timeout=90, what="the diff")
        await pilot.press("h")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="back from the diff on h")


async def test_periodic_dialog_key_remapped_from_config(open_demo, homes):
    target = await open_demo()
    ref = await target.get_deployment(SOURCE)  # acme-corp is on Pro: periodic backups are offered
    config = config_with_keys(homes, periodic_save="ctrl+o")
    app = ConvexBackupsApp(target=target, config=config)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await choose(pilot, app, ref.name)
            await pilot.press("p")
            dialog = await wait_for_screen(pilot, app, PeriodicDialog, what="the periodic dialog")
            dialog.query_one("#time").value = "05:45"
            await pilot.pause()
            await pilot.press("ctrl+o")
            await wait_until(pilot, lambda: any("Periodic backups of" in n for n in notes(app)), what="saved")
        saved = await target.get_schedule(ref)
        assert saved is not None
    finally:
        await target.disable_schedule(ref)
