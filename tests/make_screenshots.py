"""Pictures of the real app on demo data for the README: `screenshots/*.svg` and a PNG of each.

    .venv/bin/python tests/make_screenshots.py [--out screenshots] [--scene wide|narrow|all]

Starts a real seeded sandbox (`sandbox serve --seed demo --throttle 0.5`, so a running backup's progress
can be seen) in a temporary folder, opens the real `ConvexBackupsApp` on it with the Pilot and saves. At
120x40 ("wide"): the main screen, a running backup, the restore flow (review and the typed confirmation on a
PROD deployment), the periodic backups dialog of a Pro-team deployment, the emergency checklist and the diff
of a backup with now. At 80x24
("narrow"): the main screen with a backup running. PNGs come from `rsvg-convert`
(`apt-get install -y librsvg2-bin`).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import pilot_host  # noqa: E402
from sandbox_process import SandboxProcess  # noqa: E402

from tui.app import ConvexBackupsApp  # noqa: E402
from tui.services.config.settings import HOME_VARIABLE, Homes  # noqa: E402
from tui.services.config.open_target import open_target, sandbox_spec  # noqa: E402
from tui.services.config.targets import TargetSpec  # noqa: E402

SIZE = (120, 40)
NARROW = (80, 24)  # the smallest terminal the app is made for (README.md)
PROD = "brave-marmot-193"  # acme-corp (Pro plan), storefront, production
PNG_WIDTH = 1200  # pixels: readable on GitHub, small files


wait_until = functools.partial(pilot_host.wait_until, timeout=90)  # a fresh demo world answers slower


class Shooter:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.saved: list[Path] = []

    async def shoot(self, pilot, name: str) -> None:
        await pilot.pause(0.3)  # let the last refresh land
        svg = self.out / f"{name}.svg"
        pilot.app.save_screenshot(filename=svg.name, path=str(self.out))
        png = svg.with_suffix(".png")
        to_png(svg, png)
        self.saved += [svg, png]
        print(f"saved {svg.relative_to(ROOT) if svg.is_relative_to(ROOT) else svg} and .png", flush=True)


def to_png(svg: Path, png: Path) -> None:
    """librsvg collapses the no-break spaces Textual writes at the start of a span (so "^p Commands" would
    read "^pComman ds"): convert a copy with plain spaces kept by `xml:space="preserve"`."""
    text = svg.read_text(encoding="utf-8").replace("<svg ", '<svg xml:space="preserve" ', 1).replace("&#160;", " ")
    with tempfile.NamedTemporaryFile("w", suffix=".svg", encoding="utf-8", delete=False) as copy:
        copy.write(text)
    try:
        subprocess.run(
            [
                "rsvg-convert",
                "--width",
                str(PNG_WIDTH),
                "--keep-aspect-ratio",
                "-b",
                "#1e1e1e",
                "-o",
                str(png),
                copy.name,
            ],
            check=True,
        )
    finally:
        os.unlink(copy.name)


async def choose(pilot, app, name: str):
    from tui.widgets.deployment_tree import DeploymentTree

    screen = app.screen
    await wait_until(pilot, lambda: screen.deployments, what="deployments")
    tree = screen.query_one(DeploymentTree)
    # After the tree's own first cursor move (to the first deployment), or that move would undo this one.
    await wait_until(pilot, lambda: name in tree.deployment_nodes and screen.current is not None, what="tree")
    tree.move_cursor(tree.deployment_nodes[name])
    await wait_until(pilot, lambda: screen.current is not None and screen.current.name == name, what=name)
    await wait_until(
        pilot, lambda: not screen.query_one("#backups").empty_text.startswith("Loading"), what=f"backups of {name}"
    )
    await wait_until(pilot, lambda: screen.query_one("#detail").facts_loaded, what="plan facts")
    return screen


async def run(shooter: Shooter, sandbox: SandboxProcess, home: Path, scene: str) -> None:
    spec = sandbox_spec(TargetSpec("sandbox", source="screenshots"), sandbox.platform_url, sandbox.access_token)
    homes = Homes(home / "config", home / "data")
    target = await open_target(spec, homes)
    try:
        if scene in ("wide", "all"):
            await run_wide(shooter, target)
        if scene in ("narrow", "all"):
            await run_narrow(shooter, target)
    finally:
        await target.aclose()


async def run_narrow(shooter: Shooter, target) -> None:
    """80x24: the main screen while a backup of PROD runs: the four kept columns, the ▶ on the cursor's
    rows, the selected backup's whole id, and the running backup's time left and message."""
    from tui.screens.dialogs.backup_now import BackupNowDialog
    from tui.widgets.backup_table import BackupTable
    from tui.widgets.progress_panel import ProgressPanel

    app = ConvexBackupsApp(target=target)
    async with app.run_test(size=NARROW) as pilot:
        screen = await choose(pilot, app, PROD)
        table = screen.query_one(BackupTable)
        await wait_until(pilot, lambda: table.row_count > 0, what="backup rows")
        await pilot.press("b")
        await wait_until(pilot, lambda: isinstance(app.screen, BackupNowDialog), what="backup dialog")
        await pilot.press("enter")
        panel = screen.query_one(ProgressPanel)

        def progressing():
            return any(
                row.progress.done
                and row.progress.state == "inProgress"
                and row.progress.message
                and row.progress.eta is not None
                for row in panel.rows.values()
            )

        await wait_until(pilot, progressing, what="progress with a time left")
        running = await wait_until(pilot, lambda: [b for b in table.shown if b.is_running], what="the new row")
        table.focus()
        table.move_cursor(row=table.shown.index(running[0]))  # its details beside its progress
        await pilot.pause(1.2)
        await shooter.shoot(pilot, "narrow-80x24")
        await wait_until(
            pilot, lambda: not panel.running and not screen.following, timeout=300, what="the backup to finish"
        )


async def run_wide(shooter: Shooter, target) -> None:
    from tui.screens.dialogs.backup_now import BackupNowDialog
    from tui.screens.emergency.screen import EmergencyScreen
    from tui.screens.dialogs.periodic import PeriodicDialog
    from tui.screens.restore.wizard import RestoreWizard
    from tui.widgets.backup_table import BackupTable
    from tui.widgets.progress_panel import ProgressPanel

    app = ConvexBackupsApp(target=target)
    async with app.run_test(size=SIZE) as pilot:
        # 1. The main screen: PROD selected, its backups listed, the second backup's details.
        screen = await choose(pilot, app, PROD)
        table = screen.query_one(BackupTable)
        await wait_until(pilot, lambda: table.row_count > 0, what="backup rows")
        table.focus()
        await pilot.press("down")
        await pilot.pause(0.3)
        await shooter.shoot(pilot, "main")

        # 2. A running backup with live progress (the sandbox is throttled).
        await pilot.press("b")
        await wait_until(pilot, lambda: isinstance(app.screen, BackupNowDialog), what="backup dialog")
        await pilot.press("f")  # with file storage
        await pilot.press("enter")
        panel = screen.query_one(ProgressPanel)

        def progressing():
            return any(
                row.progress.done and row.progress.state == "inProgress" and row.progress.message
                for row in panel.rows.values()
            )

        await wait_until(pilot, progressing, what="progress with counts")
        await pilot.pause(1.2)
        running = [b for b in table.shown if b.is_running]
        if running:  # select the running backup so its details show next to its progress
            table.move_cursor(row=table.shown.index(running[0]))
        await shooter.shoot(pilot, "running-backup")
        await wait_until(
            pilot, lambda: not panel.running and not screen.following, timeout=300, what="the backup to finish"
        )
        await wait_until(pilot, lambda: all(not b.is_running for b in table.shown), what="the table to refresh")

        # 3. The restore flow on PROD: the fresh backup counts as the safety backup; review; typed confirmation.
        table.focus()
        table.move_cursor(row=min(1, table.row_count - 1))
        await pilot.pause(0.3)
        await pilot.press("r")
        wizard = await wait_until(
            pilot, lambda: isinstance(app.screen, RestoreWizard) and app.screen, what="the restore wizard"
        )
        await wait_until(pilot, lambda: wizard.query_one("SourceStep").backups, what="source backups")
        await pilot.press("enter")
        await wait_until(pilot, lambda: wizard.stage in ("safety-ready", "safety-offer"), what="safety step")
        if wizard.stage == "safety-offer":
            await pilot.press("b")
            await wait_until(pilot, lambda: wizard.stage == "safety-ready", timeout=300, what="safety backup")
        await pilot.press("c")
        await wait_until(pilot, lambda: wizard.stage == "review", timeout=120, what="the staged plan")
        await shooter.shoot(pilot, "restore-review")
        await pilot.press("c")
        await wait_until(pilot, lambda: wizard.stage == "confirm", what="the confirmation step")
        await pilot.press(*PROD[:7])  # half typed: the picture shows what is still needed
        await shooter.shoot(pilot, "restore-confirm")
        await pilot.press("escape")  # back out: the staged import is dropped
        await wait_until(pilot, lambda: app.screen is screen, what="back on the main screen")

        # 4. The periodic backups dialog of the Pro team's PROD deployment.
        await pilot.pause(0.5)
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PeriodicDialog), what="periodic dialog")
        await shooter.shoot(pilot, "periodic")
        await pilot.press("escape")

        # 5. The emergency-restore checklist for the selected PROD deployment.
        await wait_until(pilot, lambda: app.screen is screen, what="back on the main screen")
        await pilot.press("E")
        await wait_until(pilot, lambda: isinstance(app.screen, EmergencyScreen), what="the checklist")
        await pilot.pause(1.5)
        await shooter.shoot(pilot, "emergency")
        await pilot.press("escape")

        # 6. The diff of the newest backup with now, after a few changes through the deployment's own API.
        await wait_until(pilot, lambda: app.screen is screen, what="back on the main screen")
        await shoot_diff(shooter, pilot, app, screen, target)


async def shoot_diff(shooter: Shooter, pilot, app, screen, target) -> None:
    """A bad migration in miniature: one table's field changed in a few documents, two deleted, one new."""
    from tui.screens.restore.diff import DiffScreen
    from tui.widgets.backup_table import BackupTable

    client = await target.directory.client(PROD)
    tables = sorted(await client.user_tables())
    name = tables[0]
    documents = sorted([d async for d in client.iter_documents(name)], key=lambda d: d["_id"])
    for document in documents[:4]:  # a field rewritten, another added
        field = next((k for k in sorted(document) if not k.startswith("_")), "status")
        await client.mutation(
            "_system/frontend/patchDocumentsFields",
            {"table": name, "ids": [document["_id"]], "fields": {field: "MIGRATED", "migrated": 1.0}},
        )
    await client.mutation(
        "_system/frontend/deleteDocuments", {"toDelete": [{"id": d["_id"], "tableName": name} for d in documents[4:6]]}
    )
    table = screen.query_one(BackupTable)
    complete = [i for i, b in enumerate(table.shown) if b.state == "complete"]
    table.focus()
    table.move_cursor(row=complete[0])
    await pilot.pause(0.3)
    await pilot.press("D")
    diff = await wait_until(pilot, lambda: isinstance(app.screen, DiffScreen) and app.screen, what="the diff")
    await wait_until(pilot, lambda: diff.store is not None, timeout=300, what="the comparison")
    grid = diff.query_one("#diff-grid")
    grid.move_cursor(row=grid.get_row_index(name))
    await shooter.shoot(pilot, "diff")
    await pilot.press("enter")
    await pilot.press("enter")
    await wait_until(pilot, lambda: diff.level == 2, what="a document's fields")
    await shooter.shoot(pilot, "diff-document")
    await pilot.press("escape", "escape", "escape")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument(
        "--scene",
        choices=("wide", "narrow", "all"),
        default="all",
        help="wide: the 120x40 pictures; narrow: the 80x24 one",
    )
    args = parser.parse_args()
    if shutil.which("rsvg-convert") is None:
        print("rsvg-convert is missing: apt-get install -y librsvg2-bin", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("TZ", "UTC")
    with tempfile.TemporaryDirectory(prefix="convex-backups-shots-") as tmp:
        # Everything the app keeps (the emergency checklist's state, incident logs) goes to the temporary
        # home too: not into this machine's own data folder, where a later run would find it.
        os.environ[HOME_VARIABLE] = str(Path(tmp) / "home")
        sandbox = SandboxProcess(Path(tmp) / "sandbox", throttle=0.5, extra_args=("--seed", "demo"))
        sandbox.start(timeout=180)
        try:
            asyncio.run(run(Shooter(args.out), sandbox, Path(tmp) / "home", args.scene))
        finally:
            sandbox.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
