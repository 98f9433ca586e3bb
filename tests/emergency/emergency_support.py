"""Helpers of the emergency tests: read and break a deployment's data, a host app, waiting in a Pilot."""

from __future__ import annotations

import asyncio

from textual.app import App
from textual.widgets import Static

from sandbox_process import SandboxProcess
from tui.api.deployment_client import DeploymentClient

PROD = "brave-marmot-193"  # acme-corp, storefront, prod (the demo world)


def client_of(demo: SandboxProcess, name: str) -> DeploymentClient:
    return DeploymentClient(demo.deployments[name], demo.credentials(name)["CONVEX_SELF_HOSTED_ADMIN_KEY"], name=name)


def _comparable(value):
    if isinstance(value, float) and value != value:
        return "<NaN>"
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return value


async def documents_of(demo: SandboxProcess, name: str) -> dict[str, list[dict]]:
    async with client_of(demo, name) as client:
        out = {}
        for table in sorted(await client.user_tables()):
            rows = [d async for d in client.iter_documents(table)]
            out[table] = sorted(rows, key=lambda d: d["_id"])
        return {t: [_comparable(r) for r in rows] for t, rows in out.items() if rows}


async def env_of(demo: SandboxProcess, name: str) -> dict[str, str]:
    async with client_of(demo, name) as client:
        return dict(await client.list_env())


async def break_deployment(demo: SandboxProcess, name: str) -> None:
    """Delete and corrupt documents, add junk, change, add and remove environment variables."""
    async with client_of(demo, name) as client:
        tables = sorted(await client.user_tables())
        docs = [d async for d in client.iter_documents(tables[0])]
        await client.mutation("_system/frontend/deleteDocuments",
                              {"toDelete": [{"id": d["_id"], "tableName": tables[0]} for d in docs[:3]]})
        await client.mutation("_system/frontend/patchDocumentsFields",
                              {"table": tables[0], "ids": [docs[3]["_id"]], "fields": {"broken": True}})
        await client.mutation("_system/frontend/addDocument", {"table": tables[-1], "documents": [{"junk": 1}]})
        env = dict(await client.list_env())
        changes: dict[str, str | None] = {"INJECTED_BY_ATTACKER": "evil"}
        names = sorted(env)
        if names:
            changes[names[0]] = "corrupted-value"
        if len(names) > 1:
            changes[names[1]] = None
        await client.update_env(changes)


async def take_backup(target, ref):
    backup = await target.request_backup(ref, include_storage=True)
    async for _ in target.follow_backup(ref, backup.id):
        pass
    return await target.get_backup(ref, backup.id)


async def wait_until(pilot, condition, timeout: float = 60, what: str = "condition"):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


class HostApp(App):
    def __init__(self, make_screen) -> None:
        super().__init__()
        self.make_screen = make_screen
        self.results: list = []
        self.screen_under_test = None

    def compose(self):
        yield Static("host app", id="host")

    def on_mount(self) -> None:
        self.screen_under_test = self.make_screen()
        self.push_screen(self.screen_under_test, self.results.append)
