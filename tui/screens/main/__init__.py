"""The main screen (`screen.MainScreen`): deployments, backups, details and live progress; its
actions, what it shows after a crash, and the screens it opens for one deployment (env vars, a backup's
contents). `parts.MainScreenParts` declares, once, what the screen gives the parts it is
mixed from.

UI: may import textual, `tui.widgets`, `tui.messages`, `tui.bindings`, `tui.services`, the other screens'
packages (what it opens) and `tui.app` for its type only (under `TYPE_CHECKING`); never `tui.api` (services
re-export what screens need) nor the emulator.
"""
