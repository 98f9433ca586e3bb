"""Screens and dialogs of the TUI, by feature: `main/` (the main screen and what it opens for one
deployment), `restore/` (every restore and import), `dialogs/` (small modal dialogs), and the emergency
checklist.

UI: may import textual, `tui.widgets`, `tui.messages`, `tui.bindings`, `tui.services`, one another (the main
screen opens the others) and `tui.app` for its type (under `TYPE_CHECKING`; at run time only in `host_app.py`,
which says what a screen may read of the app showing it); never `tui.api` (services re-export what screens
need) nor the emulator.
"""
