"""SVG snapshots of every step of the restore wizard, the import dialog and the inspect screen, at 120x40
and 80x24. Deterministic: a fixed in-memory target (fake_target.py) stands in for the services here only;
behaviour is tested against the real sandbox in the other modules. Review the report by eye before
`--snapshot-update`."""

from __future__ import annotations

import pytest
from restore_support import wait_until
from fake_target import DEV, NOW, PROD, FakeTarget, InspectableFake, backup
from host_app import HostApp
from textual.widgets import Input

from tui.screens.restore.import_file import ImportFileDialog
from tui.screens.main.inspect_backup import InspectScreen
from tui.screens.restore.wizard import RestoreWizard


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    """Ages and exact times on screen do not move with the wall clock."""
    for module in ("tui.screens.restore.source", "tui.screens.restore.safety", "tui.services.restore.safety"):
        monkeypatch.setattr(f"{module}.utc_now", lambda: NOW)


SIZES = [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")]


def no_blink(app) -> None:
    for widget in app.screen.query(Input):
        widget.cursor_blink = False


async def to_stage(pilot, stage: str) -> None:
    wizard = pilot.app.screen_under_test
    step = wizard.query_one("SourceStep")
    await wait_until(pilot, lambda: step.backups and len(step.deployments) > 1, what="deployments and backups")
    await pilot.app.workers.wait_for_complete()
    order = ["source", "safety-offer", "review", "confirm", "done"]
    keys = {
        "source": ["enter"],
        "safety-offer": ["s", *"prod is down", "enter"],
        "review": ["c"],
        "confirm": [*PROD.name, "enter"],
    }
    for current in order[: order.index(stage)]:
        await wait_until(pilot, lambda: wizard.stage == current, what=current)
        await pilot.press(*keys[current])
    await wait_until(pilot, lambda: wizard.stage == stage, what=stage)
    no_blink(pilot.app)
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("stage", ["source", "safety-offer", "review", "confirm", "done"])
def test_wizard_steps(snap_compare, size, stage):
    app = HostApp(lambda: RestoreWizard(FakeTarget(), PROD))
    assert snap_compare(app, terminal_size=size, run_before=lambda pilot: to_stage(pilot, stage))


@pytest.mark.parametrize("size", SIZES)
def test_wizard_recent_backup_on_dev(snap_compare, size):
    fake = FakeTarget()
    fake.backups[DEV.name].insert(0, backup("8000030", DEV.name, 0.02))

    async def run(pilot):
        wizard = pilot.app.screen_under_test
        await wait_until(pilot, lambda: wizard.query_one("SourceStep").backups, what="backups")
        await pilot.press("enter")
        await wait_until(pilot, lambda: wizard.stage == "safety-offer", what="the safety offer")
        await pilot.press("u")  # reusing the recent backup is the operator's explicit choice
        await wait_until(pilot, lambda: wizard.stage == "safety-ready", what="the recent backup")
        await pilot.press("c")
        await wait_until(pilot, lambda: wizard.stage == "review")
        await pilot.press("c")
        await wait_until(pilot, lambda: wizard.stage == "confirm")
        await pilot.pause(0.2)

    assert snap_compare(HostApp(lambda: RestoreWizard(fake, DEV)), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_wizard_staging_error(snap_compare, size):
    async def run(pilot):
        await to_stage(pilot, "safety-offer")
        await pilot.press("s", *"prod is down", "enter")
        await wait_until(pilot, lambda: pilot.app.screen_under_test.stage == "stage-failed")
        await pilot.pause(0.2)

    app = HostApp(lambda: RestoreWizard(FakeTarget(fail_stage=True), PROD))
    assert snap_compare(app, terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_import_file_step_refuses_a_missing_file(snap_compare, size):
    async def run(pilot):
        await pilot.press(*"/nowhere/backup.zip", "enter")
        no_blink(pilot.app)
        await pilot.pause(0.2)

    app = HostApp(lambda: ImportFileDialog(FakeTarget(), DEV))
    assert snap_compare(app, terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_inspect_screen(snap_compare, size):
    async def run(pilot):
        screen = pilot.app.screen_under_test
        await wait_until(pilot, lambda: screen.body is not None and screen.query_one("#inspect-tables").row_count)
        await pilot.pause(0.2)

    app = HostApp(lambda: InspectScreen(InspectableFake(), PROD, backup("8000011", PROD.name, 26)))
    assert snap_compare(app, terminal_size=size, run_before=run)


def damage(path):
    """Flip a byte inside the first compressed entry: its CRC (or its inflation) fails, deterministically."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        info = archive.infolist()[0]
    data = bytearray(path.read_bytes())
    start = (
        info.header_offset
        + 30
        + len(info.filename.encode())
        + int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    )
    data[start + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("size", SIZES)
def test_wizard_refuses_a_damaged_zip_at_the_first_step(snap_compare, size, tmp_path, monkeypatch):
    from fake_target import write_demo_zip

    from tui.screens.restore.source import ZIP_CHOICE

    monkeypatch.chdir(tmp_path)  # the advice names the file as typed: a relative path keeps the picture fixed
    damage(write_demo_zip(tmp_path / "damaged.zip"))

    async def run(pilot):
        wizard = pilot.app.screen_under_test
        step = wizard.query_one("SourceStep")
        await wait_until(pilot, lambda: step.backups and len(step.deployments) > 1, what="deployments and backups")
        step.query_one("#source-deployment").value = ZIP_CHOICE
        await wait_until(pilot, lambda: step.query_one("#file-path").has_focus, what="the path box")
        await pilot.press(*"damaged.zip", "enter")
        await wait_until(pilot, lambda: step.query_one("ZipChooser").refused, what="the refusal")
        no_blink(pilot.app)
        await pilot.pause(0.2)

    app = HostApp(lambda: RestoreWizard(FakeTarget(), DEV))
    assert snap_compare(app, terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_wizard_on_a_deployment_without_backups(snap_compare, size):
    fake = FakeTarget()
    fake.backups[DEV.name] = []

    async def run(pilot):
        step = pilot.app.screen_under_test.query_one("SourceStep")
        await wait_until(
            pilot,
            lambda: len(step.deployments) > 1 and "has no backups" in str(step.query_one("#source-note").render()),
            what="the note",
        )
        await pilot.pause(0.2)

    assert snap_compare(HostApp(lambda: RestoreWizard(fake, DEV)), terminal_size=size, run_before=run)
