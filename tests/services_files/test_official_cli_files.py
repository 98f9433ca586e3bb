"""Files made by the official `convex` CLI (npm, through `CONVEX_SELF_HOSTED_URL` and the admin key):
`verify` and `inspect` read its exports, and an import of one through this app's file import restores them."""

from __future__ import annotations

import pytest
from official_cli import OfficialCli

from tui.api.deployment.client import DeploymentClient
from tui.emulator.demo.data import write_demo_zip
from tui.services.restore.file_import import FileImport
from tui.services.snapshots.inspect import inspect_file
from tui.services.self_hosted.target import SelfHostedTarget
from tui.services.snapshots.verify import verify_file

pytestmark = pytest.mark.cli


async def test_an_official_cli_export_verifies_inspects_and_imports(deployment, tmp_path):
    cli = OfficialCli.create(tmp_path, deployment.url, deployment.key)
    seed = tmp_path / "seed.zip"
    counts = write_demo_zip(seed, users_count=40, channels_count=4, messages_count=300)
    cli.ok("import", "--replace-all", "--yes", str(seed))
    with deployment.client() as http:
        reply = http.post("/api/storage/upload", content=b"\x89PNG fake image", headers={"Content-Type": "image/png"})
        assert reply.status_code == 200, reply.text
    folder = tmp_path / "exports"
    folder.mkdir()
    cli.ok("export", "--include-file-storage", "--path", str(folder))
    (exported,) = folder.iterdir()

    outcome = verify_file(exported)
    assert outcome.ok, outcome.error
    assert outcome.sidecar == "absent" and outcome.deployment_name == deployment.name
    assert {t.table: t.documents for t in outcome.tables} == counts
    assert outcome.storage_files == 1
    assert verify_file(exported, full=False).ok
    summary = inspect_file(exported)
    assert {t["name"]: t["documents"] for t in summary["tables"]} == counts and summary["storage"]["files"] == 1

    cli.ok("import", "--replace-all", "--yes", str(tmp_path / "seed.zip"))  # some change to undo
    async with DeploymentClient(deployment.url, deployment.key) as client:
        ref = await SelfHostedTarget(client, None, None).deployment()  # only the reference is needed here
        steps = FileImport(client)
        plan = await steps.prepare(exported, ref)
        await steps.confirm(plan)
        async for _ in steps.follow(plan):
            pass
        assert (await steps.result(plan)).ok
        assert await client.table_sizes(counts) == counts
