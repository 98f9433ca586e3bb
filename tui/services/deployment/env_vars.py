"""Environment variables of one deployment, for every kind of target: read the live set, save it beside
a backup, diff a saved set against the live one, and restore it in one all-or-nothing update."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone

from tui.api.deployment.client import DeploymentClient
from tui.services.deployment.env_store import EnvStore
from tui.services.protocol import EnvDiff, EnvSnapshot


async def live(client: DeploymentClient, deployment: str) -> EnvSnapshot:
    values = await client.list_env()
    return EnvSnapshot(deployment=deployment, taken=datetime.now(timezone.utc), values=dict(values))


async def save(client: DeploymentClient, store: EnvStore, deployment: str, *, reason: str = "manual") -> EnvSnapshot:
    values = await client.list_env()
    return store.save(deployment, dict(values), reason=reason)


def diff(current: Mapping[str, str], saved: EnvSnapshot) -> EnvDiff:
    wanted = saved.values
    return EnvDiff(
        saved_id=saved.id or "",
        added=tuple(sorted(set(wanted) - set(current))),
        removed=tuple(sorted(set(current) - set(wanted))),
        changed=tuple(sorted(n for n in set(wanted) & set(current) if wanted[n] != current[n])),
        unchanged=tuple(sorted(n for n in set(wanted) & set(current) if wanted[n] == current[n])),
    )


async def restore(
    client: DeploymentClient, store: EnvStore, deployment: str, saved_id: str, *, keep_extra: bool = False
) -> EnvDiff:
    """Make the live set equal to the saved one (keeping live-only variables with `keep_extra`) in one
    `update_environment_variables` call, which Convex applies all-or-nothing. Returns what changed."""
    saved = store.find(deployment, saved_id)
    current = await client.list_env()
    change = diff(current, saved)
    if keep_extra:
        change = EnvDiff(change.saved_id, change.added, (), change.changed, change.unchanged)
    updates: dict[str, str | None] = {name: saved.values[name] for name in (*change.added, *change.changed)}
    updates.update({name: None for name in change.removed})
    if updates:
        await client.update_env(updates)
    return change
