"""Test helpers on a sandbox process and its deployments' data, shared by the restore-screen and checklist
tests: the target the app would open on it, an admin client, every user table's documents in comparable
form, a backup taken to the end, and the mess a restore must undo."""

from __future__ import annotations

from sandbox_process import SandboxProcess
from tui.api.deployment.client import DeploymentClient
from tui.services.config.settings import Homes
from tui.services.config.open_target import open_target, sandbox_spec
from tui.services.config.targets import TargetSpec


async def open_sandbox(process: SandboxProcess, homes: Homes):
    """The sandbox target on `process`, opened through the services as the app opens it."""
    spec = sandbox_spec(TargetSpec("sandbox", source="tests"), process.platform_url, process.access_token)
    return await open_target(spec, homes)


def client_of(demo: SandboxProcess, name: str) -> DeploymentClient:
    return DeploymentClient(demo.deployments[name], demo.credentials(name)["CONVEX_SELF_HOSTED_ADMIN_KEY"], name=name)


async def documents_of(demo: SandboxProcess, name: str) -> dict[str, list[dict]]:
    """Every user table's documents, sorted by id (what "the data" of a deployment is)."""
    async with client_of(demo, name) as client:
        out = {}
        for table in sorted(await client.user_tables()):
            rows = [d async for d in client.iter_documents(table)]
            out[table] = sorted(rows, key=lambda d: d["_id"])
        return {t: [_comparable(r) for r in rows] for t, rows in out.items() if rows}


def _comparable(value):
    """NaN equals itself here (documents may hold NaN, and NaN != NaN in Python)."""
    if isinstance(value, float) and value != value:
        return "<NaN>"
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return value


async def take_backup(target, ref):
    """A backup of `ref` with file storage, followed until it ends; its final record."""
    backup = await target.request_backup(ref, include_storage=True)
    async for _ in target.follow_backup(ref, backup.id):
        pass
    return await target.get_backup(ref, backup.id)


async def break_data(demo: SandboxProcess, name: str) -> None:
    """Delete a few documents, change one, add one: the mess a restore must undo."""
    async with client_of(demo, name) as client:
        tables = sorted(await client.user_tables())
        docs = [d async for d in client.iter_documents(tables[0])]
        await client.mutation(
            "_system/frontend/deleteDocuments",
            {"toDelete": [{"id": d["_id"], "tableName": tables[0]} for d in docs[:3]]},
        )
        await client.mutation(
            "_system/frontend/patchDocumentsFields",
            {"table": tables[0], "ids": [docs[3]["_id"]], "fields": {"broken": True}},
        )
        await client.mutation("_system/frontend/addDocument", {"table": tables[-1], "documents": [{"junk": 1}]})
