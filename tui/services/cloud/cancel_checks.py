"""Which backups may be cancelled: Convex's dashboard offers Cancel only for a backup `inProgress` (for one
`requested` its tip says "This backup hasn't started yet"), so this app does not ask for what Convex's own
client never asks for."""

from __future__ import annotations

from tui.services.errors import Refused


def cancel_refusal(backup_id: str, state: str) -> Refused | None:
    """None when `backup_id` may be cancelled; else why not, as a refusal (nothing was sent)."""
    if state == "inProgress":
        return None
    if state == "requested":
        why = (
            "it is requested and has not started yet; Convex cancels only a backup in progress. Wait until it "
            "starts (convex-backups list shows its state), then cancel it"
        )
    else:
        why = f"it is {state}; only a backup in progress can be cancelled"
    return Refused(f"Backup {backup_id} was not cancelled: {why}.", code="CannotCancelBackup")
