"""Helpers of the emergency tests: read and break a deployment's data, a host app, waiting in a Pilot."""

from __future__ import annotations

from deployment_data import break_data, client_of, documents_of, take_backup  # noqa: F401 (the emergency tests' helpers)
from pilot_host import HostApp, wait_until  # noqa: F401
from sandbox_process import SandboxProcess

PROD = "brave-marmot-193"  # acme-corp, storefront, prod (the demo world)


async def env_of(demo: SandboxProcess, name: str) -> dict[str, str]:
    async with client_of(demo, name) as client:
        return dict(await client.list_env())


async def break_deployment(demo: SandboxProcess, name: str) -> None:
    """Delete and corrupt documents, add junk, change, add and remove environment variables."""
    await break_data(demo, name)
    async with client_of(demo, name) as client:
        env = dict(await client.list_env())
        changes: dict[str, str | None] = {"INJECTED_BY_ATTACKER": "evil"}
        names = sorted(env)
        if names:
            changes[names[0]] = "corrupted-value"
        if len(names) > 1:
            changes[names[1]] = None
        await client.update_env(changes)


class ShownTable:
    """The table of the step on screen, whichever step that is now (each step draws its own table)."""

    def __init__(self, screen) -> None:
        self._screen = screen

    def __getattr__(self, name: str):
        return getattr(self._screen.panel.query_one("#em-table"), name)


def shown_table(screen) -> ShownTable:
    return ShownTable(screen)
