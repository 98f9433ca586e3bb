"""Screens and dialogs of the TUI, by feature: `main/` (the main screen and what it opens for one
deployment), `restore/` (every restore and import), `dialogs/` (small modal dialogs), and the emergency
checklist.

UI: may import textual, `tui.widgets`, `tui.messages`, `tui.bindings`, `tui.services`, one another (the main
screen opens the others) and `tui.app` for its type only (under `TYPE_CHECKING`); never `tui.api` (services
re-export what screens need) nor the emulator.
"""
