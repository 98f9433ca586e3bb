"""Opening the emergency checklist from anywhere (the main screen's key, the command palette, and
`convex-backups --emergency [DEPLOYMENT]`): the checklist store and the incident-log folder live in the
data folder (`Homes`); the code push takes the profile's `deploy_command` and `deploy_key`; an unfinished
checklist is offered for resuming by the screen itself."""

from __future__ import annotations

from typing import Any

from tui.services.checklist import ChecklistStore
from tui.services.config import Homes
from tui.services.incident_log import incidents_dir


def homes_of(app: Any) -> Homes:
    return getattr(getattr(app, "session", None), "homes", None) or Homes.from_environ()


def open_emergency(app: Any, target: Any, deployment: str | None = None) -> None:
    from tui.screens.emergency_screen import EmergencyScreen

    homes = homes_of(app)
    config = getattr(app, "config", None)
    # the profile's own deploy command first, then `[emergency] deploy_command` for every profile
    profile = getattr(getattr(getattr(app, "session", None), "spec", None), "profile", None)
    command = getattr(profile, "deploy_command", None) or (
        ((getattr(config, "extra", None) or {}).get("emergency") or {}).get("deploy_command")
        if config is not None else None)
    app.push_screen(EmergencyScreen(target, ChecklistStore.in_data_dir(homes.data_dir), deployment,
                                    incidents=incidents_dir(homes.data_dir), deploy_command=command,
                                    deploy_key=getattr(profile, "deploy_key", None)))
