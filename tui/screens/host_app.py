"""What a screen that may be shown on its own reads of the app showing it: under `ConvexBackupsApp`
(tui/app.py) its typed attributes; under another app (the tests' `HostApp`, which pushes one screen alone)
the answers of an app with no session and no key remaps. The main screen only ever runs in
`ConvexBackupsApp` and reads `self.app` directly (tui/screens/main/parts.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App

    from tui.app import ConvexBackupsApp
    from tui.services.config.settings import Homes


def convex_app(app: App[Any]) -> ConvexBackupsApp | None:
    from tui.app import ConvexBackupsApp  # here, not at the top: the app imports the screens

    return app if isinstance(app, ConvexBackupsApp) else None


def session_homes(app: App[Any]) -> Homes | None:
    """The data folders of the app's session; None without one."""
    host = convex_app(app)
    return host.session.homes if host is not None and host.session is not None else None


def keymap(app: App[Any]) -> dict[str, str]:
    """The binding ids `[ui.keys]` remapped, to their keys (tui/bindings.py); {} when none were."""
    host = convex_app(app)
    return host.keymap if host is not None else {}
