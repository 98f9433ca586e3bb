"""The host App of the restore-screen tests: the shared one, with its own text behind the dialogs."""

from __future__ import annotations

import pilot_host


class HostApp(pilot_host.HostApp):
    HOST_TEXT = "host app: the main screen would be here"
