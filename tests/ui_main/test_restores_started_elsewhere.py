"""A restore this app did not start (the dashboard, another operator; here the platform's restore route called
directly with httpx, and confirmed the way the dashboard's Backups page confirms it) shows on its deployment
before the operator does anything: the detail pane says who started it, the backup being restored is marked
"restoring" in the backups table, the Running pane follows its progress, and `r` says at once that no
other restore can start, opening nothing and sending nothing. One staged elsewhere and left waiting shows too,
with the warning that any open dashboard Backups page would confirm it."""

from __future__ import annotations

import sys
from pathlib import Path

from pilot_support import choose, notes, open_cloud_target, record_notifications, wait_until

from sandbox_process import wait_for
from tui.app import ConvexBackupsApp
from tui.screens.main.screen import MainScreen
from tui.widgets.backup_table import BackupTable
from tui.widgets.progress_panel import ProgressPanel

sys.path.insert(0, str(Path(__file__).parent.parent / "emulator"))  # the import tests' helpers

from import_support import wait_state  # noqa: E402


def _add(process, table: str, count: int) -> None:
    with process.client() as client:
        for start in range(0, count, 500):
            documents = [{"n": i, "text": f"row {i}"} for i in range(start, min(count, start + 500))]
            reply = client.post(
                "/api/mutation",
                json={
                    "path": "_system/frontend/addDocument",
                    "args": {"table": table, "documents": documents},
                    "format": "json",
                },
            )
            assert reply.status_code == 200 and reply.json()["status"] == "success", reply.text


def _restores(process) -> list[dict]:
    with process.client() as client:
        reply = client.post(
            "/api/query", json={"path": "_system/frontend/snapshotImport:list", "args": {}, "format": "json"}
        )
    return [i for i in reply.json()["value"] if i["requestor"]["type"] == "cloudRestore"]


async def test_a_restore_started_elsewhere_shows_with_its_progress_and_blocks_another(sandbox_process, homes):
    name = sandbox_process.name
    for table in ("orders", "customers", "events"):
        _add(sandbox_process, table, 4100)  # three batches a table: a restore with steps to watch
    deployment_id = sandbox_process.platform_json("GET", f"/v1/deployments/{name}")["id"]
    backup = sandbox_process.platform_json("POST", f"/api/dashboard/deployments/{deployment_id}/request_cloud_backup")
    wait_for(
        lambda: (
            sandbox_process.platform_json("GET", f"/api/dashboard/cloud_backups/{backup['id']}")["state"] == "complete"
        ),
        timeout=120,
        message="the backup",
    )

    sandbox_process.set_throttle(name, 1.5)  # seconds a step: the restore runs for a while
    try:
        # Someone else restores: big brain's route, then the confirmation a dashboard Backups page sends.
        sandbox_process.platform_json(
            "POST",
            f"/api/dashboard/deployments/{deployment_id}/restore_from_cloud_backup",
            {"id": backup["id"]},
        )
        (elsewhere,) = _restores(sandbox_process)
        with sandbox_process.client() as client:
            wait_state(client, elsewhere["_id"], "waiting_for_confirmation", timeout=60)
            assert client.post("/api/perform_import", json={"importId": elsewhere["_id"]}).status_code == 200

        target = await open_cloud_target(sandbox_process, homes)
        app = ConvexBackupsApp(target=target)
        shown = record_notifications(app)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await choose(pilot, app, name)
            detail = screen.query_one("#detail")
            await wait_until(pilot, lambda: "RESTORE RUNNING" in str(detail.render()), what="the restore shown")
            assert f"a cloud restore of backup {backup['id']}" in str(detail.render())
            assert f"Import {elsewhere['_id']}" in str(detail.render())
            table = screen.query_one(BackupTable)
            await wait_until(
                pilot,
                lambda: table.row_count and "restoring" in str(table.get_cell_at((0, 0))),
                what="the backup marked as being restored",
            )
            panel = screen.query_one(ProgressPanel)
            key = f"restore {elsewhere['_id']}"
            await wait_until(
                pilot,
                lambda: key in panel.rows and panel.rows[key].progress.state == "in_progress",
                what="the restore's progress in the Running pane",
            )

            await pilot.press("r")  # restore: refused at once
            await wait_until(pilot, lambda: any(elsewhere["_id"] in n for n in notes(shown)), what="the refusal")
            assert isinstance(app.screen, MainScreen)  # no wizard opened
            assert len(_restores(sandbox_process)) == 1  # and nothing asked of Convex

            sandbox_process.set_throttle(name, 0)
            await wait_until(
                pilot,
                lambda: key not in panel.rows or panel.rows[key].progress.finished,
                timeout=60,
                what="the restore's end",
            )
            await wait_until(
                pilot, lambda: "RESTORE RUNNING" not in str(detail.render()), timeout=30, what="the detail pane cleared"
            )
        await target.aclose()
    finally:
        sandbox_process.set_throttle(name, 0)


async def test_a_restore_staged_elsewhere_and_left_waiting_shows_and_blocks_another(sandbox_process, homes):
    name = sandbox_process.name
    _add(sandbox_process, "orders", 50)
    deployment_id = sandbox_process.platform_json("GET", f"/v1/deployments/{name}")["id"]
    backup = sandbox_process.platform_json("POST", f"/api/dashboard/deployments/{deployment_id}/request_cloud_backup")
    wait_for(
        lambda: (
            sandbox_process.platform_json("GET", f"/api/dashboard/cloud_backups/{backup['id']}")["state"] == "complete"
        ),
        timeout=120,
        message="the backup",
    )
    sandbox_process.platform_json(
        "POST",
        f"/api/dashboard/deployments/{deployment_id}/restore_from_cloud_backup",
        {"id": backup["id"]},
    )  # and nobody confirms it (yet)
    (elsewhere,) = _restores(sandbox_process)
    with sandbox_process.client() as client:
        wait_state(client, elsewhere["_id"], "waiting_for_confirmation", timeout=60)

    target = await open_cloud_target(sandbox_process, homes)
    app = ConvexBackupsApp(target=target)
    shown = record_notifications(app)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await choose(pilot, app, name)
        detail = screen.query_one("#detail")
        await wait_until(
            pilot, lambda: "RESTORE WAITING for confirmation" in str(detail.render()), what="the staged restore shown"
        )
        assert "Backups page confirms it by itself" in str(detail.render())
        await pilot.press("r")
        await wait_until(pilot, lambda: any(elsewhere["_id"] in n for n in notes(shown)), what="the refusal")
        assert isinstance(app.screen, MainScreen)
        assert [r["_id"] for r in _restores(sandbox_process)] == [elsewhere["_id"]]
    await target.aclose()
