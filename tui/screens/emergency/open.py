"""Opening the emergency checklist from anywhere (the main screen's key, the command palette, and
`convex-backups --emergency [DEPLOYMENT]`): the checklist store and the incident-log folder live in the
data folder (`Homes`); the code push takes the profile's `deploy_command` and `deploy_key`; an unfinished
checklist is offered for resuming by the screen itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.services.checklist.state import ChecklistStore
from tui.services.config.settings import Homes
from tui.services.checklist.incident_log import incidents_dir
from tui.services.protocol import BackupTarget

if TYPE_CHECKING:
    from tui.app import ConvexBackupsApp


def open_emergency(app: ConvexBackupsApp, target: BackupTarget, deployment: str | None = None) -> None:
    from tui.screens.emergency.screen import EmergencyScreen

    session, config = app.session, app.config
    homes = session.homes if session is not None else Homes.from_environ()
    # the profile's own deploy command first, then `[emergency] deploy_command` for every profile
    profile = session.spec.profile if session is not None and session.spec is not None else None
    command = (profile.deploy_command if profile is not None else None) or (
        ((config.extra or {}).get("emergency") or {}).get("deploy_command") if config is not None else None
    )
    app.push_screen(
        EmergencyScreen(
            target,
            ChecklistStore.in_data_dir(homes.data_dir),
            deployment,
            incidents=incidents_dir(homes.data_dir),
            deploy_command=command,
            deploy_key=profile.deploy_key if profile is not None else None,
        )
    )
