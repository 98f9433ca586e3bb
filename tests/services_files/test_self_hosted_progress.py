"""A self-hosted backup's progress from what Convex really sends: its messages carry no "table i of N", so
the fraction over the whole export comes from the deployment's table sizes and Convex's small-to-large
order, never going back when a new table starts. Against a throttled sandbox, over the sync WebSocket."""

from __future__ import annotations

import pytest

from sandbox_process import SandboxProcess
from tui.api.deployment.client import DeploymentClient
from tui.services.self_hosted.local_store import LocalStore
from tui.services.self_hosted.backup import EXPORT_SHARE, make_backup

SMALL, BIG = 300, 3000


@pytest.fixture(scope="module")
def throttled(tmp_path_factory):
    process = SandboxProcess(tmp_path_factory.mktemp("progress") / "sandbox", throttle=0.2).start()
    yield process
    process.stop()


async def test_the_fraction_covers_the_whole_export_and_never_goes_back(throttled, tmp_path):
    async with DeploymentClient(throttled.url, throttled.admin_key) as client:
        for table, count in (("small", SMALL), ("big", BIG)):
            for start in range(0, count, 500):
                result = await client.mutation(
                    "_system/frontend/addDocument",
                    {"table": table, "documents": [{"n": i} for i in range(start, min(count, start + 500))]},
                )
                assert result == {"success": True}
        seen = []
        stored = await make_backup(
            client, LocalStore(tmp_path / "store"), "sandbox", throttled.name, on_progress=seen.append
        )
    assert stored.size > 0
    exporting = [p for p in seen if p.message.startswith("Backing up")]
    assert exporting and not any("(table" in p.message for p in exporting)
    fractions = [p.fraction for p in seen if p.fraction is not None]
    assert fractions == sorted(fractions), [(p.message, p.fraction) for p in seen]
    in_big = [p.fraction for p in exporting if p.message.startswith("Backing up big")]
    # The small table is written first (Convex's order), so the big one starts a tenth of the way in.
    assert in_big and min(in_big) >= SMALL / (SMALL + BIG) * EXPORT_SHARE - 1e-9
