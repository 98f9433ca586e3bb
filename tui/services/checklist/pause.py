"""Pausing during an emergency (the checklist's step 0: "optionally pause the deployment first, to stop further
damage"; step 6 offers to unpause). Every request is recorded in the checklist before it is sent and its
outcome after, so a checklist resumed after a crash asks the server how it ended (`reconcile`) instead of
guessing. No textual.
"""

from __future__ import annotations

from tui.api.errors import InvalidRequest
from tui.services.checklist.state import Checklist
from tui.services.protocol import BackupTarget, DeploymentRef, DeploymentState

WHAT_PAUSING_DOES = (
    "Pausing stops: the app's own queries, mutations and actions (every client gets an error), HTTP actions, "
    "and file storage over HTTP (uploads and file URLs).\n"
    "It does not stop: data browsing and the edits of step 5 (system functions), restores and backups, "
    "code pushes, environment variable changes. A user fix-up mutation can only run after unpausing."
)


def supports_pause(target: BackupTarget) -> bool:
    """Every real target kind pauses through the deployment's API (`BackupTarget.can_pause`)."""
    return target.can_pause


async def live_state(target: BackupTarget, ref: DeploymentRef) -> DeploymentState | None:
    """The deployment's state now, or None when it cannot be read (the checklist goes on without it)."""
    if not supports_pause(target):
        return None
    try:
        return await target.deployment_state(ref)
    except Exception:  # noqa: BLE001 - showing the state is a courtesy, not a step
        return None


async def pause(checklist: Checklist, target: BackupTarget, ref: DeploymentRef) -> DeploymentState:
    checklist.record_pause("pause requested")
    try:
        state = await target.pause_deployment(ref)
    except Exception as exc:
        checklist.record_pause("pause failed", str(exc))
        raise
    checklist.record_pause("paused", "user functions, HTTP actions and file storage HTTP refused from now")
    return state


async def unpause(checklist: Checklist, target: BackupTarget, ref: DeploymentRef) -> DeploymentState:
    checklist.record_pause("unpause requested")
    try:
        state = await target.unpause_deployment(ref)
    except InvalidRequest as exc:
        if "not currently paused" in str(exc):  # unpaused elsewhere (the dashboard) meanwhile
            checklist.record_pause("found running", "it was not paused any more when asked to unpause")
            return await target.deployment_state(ref)
        checklist.record_pause("unpause failed", str(exc))
        raise
    except Exception as exc:
        checklist.record_pause("unpause failed", str(exc))
        raise
    checklist.record_pause("unpaused", "the app serves its users again")
    return state


async def reconcile(checklist: Checklist, target: BackupTarget, ref: DeploymentRef) -> str:
    """After a restart with a request recorded but no outcome: record what the server says now."""
    asked = checklist.pause_state
    state = await target.deployment_state(ref)
    outcome = "found paused" if state.paused else "found running"
    checklist.record_pause(outcome, f"after a restart; the app had sent {asked!r}")
    return f"{asked}: {outcome}"


def left_paused(checklist: Checklist) -> None:
    """Closing while paused is allowed (the operator may want it so); the incident log says so."""
    if checklist.paused:
        checklist.record_pause("left paused at close", "the deployment was still paused when the checklist closed")
