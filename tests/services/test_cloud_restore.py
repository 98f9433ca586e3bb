"""Restores through CloudTarget against a real sandbox: the plan comes first and nothing changes until it
is confirmed; then per-table progress to the end, and the target holds exactly the backup's data."""

from __future__ import annotations

import pytest
from cloud_world import STARTER_DEV, STARTER_PROD

from tui.services.errors import ReadOnlyRefused

NOTES = [{"title": f"note {i}", "body": "x" * (i % 7), "rank": i} for i in range(120)]
TAGS = [{"tag": t} for t in ("red", "green", "blue")]


def snapshot(world, name: str) -> dict[str, list[dict]]:
    return {table: world.documents(name, table) for table in world.tables(name) if world.documents(name, table)}


@pytest.fixture(scope="module")
def backed_up(world, tmp_path_factory):
    """STARTER_PROD with data, and a complete backup of it: (backup id, the data at backup time)."""
    import asyncio

    world.add(STARTER_PROD, "notes", NOTES)
    world.add(STARTER_PROD, "tags", TAGS)
    before = snapshot(world, STARTER_PROD)

    async def take():
        target = world.target(tmp_path_factory.mktemp("home"))
        try:
            prod = await target.get_deployment(STARTER_PROD)
            record = await target.request_backup(prod)
            assert [p async for p in target.follow_backup(prod, record.id)][-1].state == "complete"
            return record.id
        finally:
            await target.aclose()

    return asyncio.run(take()), before


async def test_restore_into_the_same_deployment_after_the_plan(world, home, backed_up):
    backup_id, at_backup = backed_up
    world.add(STARTER_PROD, "notes", [{"title": "written after the backup"}] * 5)
    world.add(STARTER_PROD, "scratch", [{"tmp": True}])
    changed = snapshot(world, STARTER_PROD)
    target = world.target(home)
    try:
        prod = await target.get_deployment(STARTER_PROD)
        plan = await target.prepare_restore(backup_id, prod)
        # staged, not applied: the import waits for us and the data is untouched
        staged = next(i for i in world.imports(STARTER_PROD) if i["_id"] == plan.import_id)
        assert staged["state"]["state"] == "waiting_for_confirmation"
        assert snapshot(world, STARTER_PROD) == changed
        changes = {c.table: c for c in plan.changes}
        assert changes["notes"].rows_to_write == len(NOTES) and changes["notes"].existing_rows == len(NOTES) + 5
        assert changes["notes"].rows_to_delete == len(NOTES) + 5
        assert plan.require_manual_confirmation and plan.message_to_confirm
        assert plan.backup_id == backup_id and STARTER_PROD in plan.source and plan.target.name == STARTER_PROD
        await target.confirm_restore(plan)
        seen = [p async for p in target.follow_restore(plan)]
        assert seen[-1].finished and seen[-1].state == "completed" and seen[-1].fraction == 1.0
        final_tables = {t.table: t for t in seen[-1].tables}
        assert final_tables["notes"].written == final_tables["notes"].total == len(NOTES)
        result = await target.restore_result(plan)
        assert result.ok and result.rows_written == len(NOTES) + len(TAGS) and result.error is None
        assert snapshot(world, STARTER_PROD) == at_backup
    finally:
        await target.aclose()


async def test_restore_into_another_deployment(world, home, backed_up):
    backup_id, at_backup = backed_up
    world.add(STARTER_DEV, "drafts", [{"draft": 1}])
    target = world.target(home)
    try:
        prod, dev = await target.get_deployment(STARTER_PROD), await target.get_deployment(STARTER_DEV)
        plan = await target.prepare_restore(backup_id, dev, source=prod)
        assert plan.target.name == STARTER_DEV and {"notes", "tags"} <= {c.table for c in plan.changes}
        assert world.documents(STARTER_DEV, "drafts")  # untouched until confirmed
        await target.confirm_restore(plan)
        assert [p async for p in target.follow_restore(plan)][-1].state == "completed"
        assert (await target.restore_result(plan)).ok
        assert snapshot(world, STARTER_DEV) == at_backup
    finally:
        await target.aclose()


async def test_abandoned_restore_changes_nothing_and_blocks_nothing(world, home, backed_up):
    backup_id, _ = backed_up
    world.add(STARTER_DEV, "drafts", [{"draft": 2}])
    before = snapshot(world, STARTER_DEV)
    target = world.target(home)
    try:
        dev = await target.get_deployment(STARTER_DEV)
        plan = await target.prepare_restore(backup_id, dev)
        await target.abandon_restore(plan)
        assert (await target.restore_result(plan)).state == "failed"
        assert snapshot(world, STARTER_DEV) == before
        again = await target.prepare_restore(backup_id, dev)  # the abandoned one does not block the next
        assert again.import_id != plan.import_id
        await target.abandon_restore(again)
    finally:
        await target.aclose()


async def test_read_only_target_is_refused_before_anything_is_staged(world, home, backed_up):
    backup_id, _ = backed_up
    imports_before = [i["_id"] for i in world.imports(STARTER_DEV)]
    target = world.target(home, read_only=frozenset({STARTER_DEV}))
    try:
        dev = await target.get_deployment(STARTER_DEV)
        with pytest.raises(ReadOnlyRefused):
            await target.prepare_restore(backup_id, dev)
        assert [i["_id"] for i in world.imports(STARTER_DEV)] == imports_before
    finally:
        await target.aclose()


async def test_import_a_zip_from_disk(world, home, backed_up, tmp_path):
    backup_id, at_backup = backed_up
    snapshot_id = next(b for b in world.backups(STARTER_PROD) if str(b["id"]) == backup_id)["snapshotId"]
    reply = world.http(STARTER_PROD).get(f"/api/export/zip/{snapshot_id}")
    assert reply.status_code == 200
    path = tmp_path / "backup.zip"
    path.write_bytes(reply.content)
    world.add(STARTER_DEV, "drafts", [{"draft": 3}])
    target = world.target(home)
    try:
        dev = await target.get_deployment(STARTER_DEV)
        uploads = []
        plan = await target.prepare_file_import(path, dev, on_progress=uploads.append)
        assert plan.source == str(path) and plan.backup_id is None
        assert world.documents(STARTER_DEV, "drafts")  # nothing applied yet
        await target.confirm_restore(plan)
        assert [p async for p in target.follow_restore(plan)][-1].state == "completed"
        assert snapshot(world, STARTER_DEV) == at_backup
    finally:
        await target.aclose()
