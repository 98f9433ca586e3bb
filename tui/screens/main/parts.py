"""What `MainScreen` (screen.py) gives the parts it is mixed from (actions.py, after_crash.py), declared once
for the type checker; at run time this is a plain base class with nothing in it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui.services.protocol import DeploymentRef

if TYPE_CHECKING:
    from textual.screen import Screen

    from tui.app import ConvexBackupsApp
    from tui.services.protocol import BackupTarget

    _Screen = Screen[Any]
else:
    _Screen = object


class MainScreenParts(_Screen):
    """Base of `MainScreen`'s mixins: the attributes the screen provides and they use."""

    if TYPE_CHECKING:  # what `MainScreen` provides
        current: DeploymentRef | None
        deployments: list[DeploymentRef]
        app: ConvexBackupsApp

        @property
        def target(self) -> BackupTarget | None: ...
        @property
        def connected_target(self) -> BackupTarget: ...
