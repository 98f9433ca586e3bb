"""`BackupTarget.download_backup` for every kind of target, against one real sandbox: Convex Cloud (the Cloud
code path aimed at the sandbox's platform), the sandbox itself, and self-hosted (a sandbox deployment
reached only through its URL and admin key). Each saves a complete backup as a verified ZIP under Convex's
name with a sidecar, never over an existing file, and refuses unknown and unfinished backups."""

from __future__ import annotations

import sys
from contextlib import aclosing
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "services"))
from cloud_world import PRO_DEV, PRO_PROD, STARTER_PROD, World  # noqa: E402

from tui.api.errors import Conflict, NotFound  # noqa: E402
from tui.api.secrets import Secret  # noqa: E402
from tui.services.config.settings import Homes  # noqa: E402
from tui.services.downloads.errors import TargetExists  # noqa: E402
from tui.services.config.open_target import cloud_target  # noqa: E402
from tui.services.protocol import BackupTarget  # noqa: E402
from tui.services.self_hosted.target import self_hosted_target  # noqa: E402
from tui.services.downloads.sidecar import sha256_file  # noqa: E402
from tui.services.config.targets import TargetSpec  # noqa: E402
from tui.services.snapshots.verify import verify_file  # noqa: E402

# Each kind works on its own deployment, so their backups and exports never meet.
DEPLOYMENT = {"cloud": PRO_DEV, "sandbox": PRO_PROD, "selfHosted": STARTER_PROD}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    started = World(tmp_path_factory.mktemp("download") / "sandbox")
    for kind, name in DEPLOYMENT.items():
        started.add(name, "notes", [{"n": i, "text": f"{kind} note {i}"} for i in range(30)])
    yield started
    started.stop()


@pytest.fixture(params=list(DEPLOYMENT))
async def kind(request, world, tmp_path):
    """(kind, target, deployment ref) for each kind of target."""
    homes = Homes(tmp_path / "home" / "config", tmp_path / "home" / "data")
    name = DEPLOYMENT[request.param]
    if request.param == "selfHosted":
        credentials = world.sandbox.credentials(name)
        target = self_hosted_target(
            credentials["CONVEX_SELF_HOSTED_URL"], credentials["CONVEX_SELF_HOSTED_ADMIN_KEY"], homes, name=name
        )
    else:
        spec = TargetSpec(request.param, source="test", provision_host=world.platform_url, token=Secret(world.token))
        target = cloud_target(spec, homes)
    try:
        assert isinstance(target, BackupTarget)
        yield request.param, target, await target.get_deployment(name)
    finally:
        await target.aclose()


async def _complete_backup(target, ref) -> str:
    record = await target.request_backup(ref, include_storage=True)
    states = [p.state async for p in target.follow_backup(ref, record.id)]
    assert states[-1] == "complete", states
    return record.id


async def test_a_complete_backup_is_saved_verified_with_a_sidecar(kind, tmp_path):
    what, target, ref = kind
    backup_id = await _complete_backup(target, ref)
    folder = tmp_path / "saved"
    seen = []
    result = await target.download_backup(ref, backup_id, folder=folder, progress=seen.append)

    assert result.path.parent == folder
    assert result.path.name.startswith(f"snapshot_{ref.name}_") and result.path.suffix == ".zip"
    assert sorted(p.name for p in folder.iterdir()) == [result.path.name, result.path.name + ".sha256"]
    assert result.sha256 == sha256_file(result.path) and result.size == result.path.stat().st_size
    assert result.full_report is None
    outcome = verify_file(result.path)
    assert outcome.ok and outcome.sidecar == "match"
    assert {t.table: t.documents for t in outcome.tables}["notes"] == 30
    assert seen and seen[-1].phase == "done"

    before = result.path.read_bytes()
    with pytest.raises(TargetExists):
        await target.download_backup(ref, backup_id, folder=folder)
    assert result.path.read_bytes() == before  # the file already there is left as it was
    assert sorted(p.name for p in folder.iterdir()) == [result.path.name, result.path.name + ".sha256"]

    again = await target.download_backup(ref, backup_id, folder=tmp_path / "full", full_verify=True)
    assert again.sha256 == result.sha256 and again.full_report is not None
    assert again.full_report.documents >= 30


async def test_unknown_and_unfinished_backups_are_refused(kind, world, tmp_path):
    what, target, ref = kind
    folder = tmp_path / "saved"
    with pytest.raises(NotFound):
        await target.download_backup(ref, "987654321", folder=folder)

    world.throttle(ref.name, 0.3)  # the export crawls, so the backup is still running when asked
    try:
        record = await target.request_backup(ref)
        with pytest.raises(Conflict) as refused:
            await target.download_backup(ref, record.id, folder=folder)
        assert refused.value.code == "BackupNotComplete"
        async with aclosing(target.follow_backup(ref, record.id)) as progress:
            async for step in progress:  # Convex cancels a backup only once it is in progress
                if step.state != "requested":
                    break
        await target.cancel_backup(ref, record.id)
    finally:
        world.throttle(ref.name, 0)
    assert not folder.exists() or not any(folder.iterdir())


async def test_what_the_kinds_differ_in_is_asked_of_the_target(kind):
    """The members the kinds differ in (tui/services/protocol.py): every kind reaches the deployment's own API
    and can pause it; only self-hosted Convex keeps a backup as a ZIP in this app's own store."""
    what, target, ref = kind
    assert target.has_data_api and target.can_pause
    client = await target.deployment_client(ref)
    assert "notes" in await client.user_tables()
    backup_id = await _complete_backup(target, ref)
    stored = await target.stored_zip(ref, backup_id)
    if what == "selfHosted":
        assert target.store is not None and stored is not None
        assert stored.is_file() and stored.is_relative_to(target.store.root)
    else:
        assert stored is None
