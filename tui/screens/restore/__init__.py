"""Every restore and import as a guided flow: the wizard and its steps (source, tables, safety
backup, staged review), the ZIP chooser and file import, the diff screen and documents restore, the
staged-imports dialog, and the words all of them use (`text`).

UI: may import textual, `tui.widgets`, `tui.messages`, `tui.bindings`, `tui.services` and
`tui.screens.dialogs`; never `tui.api` (services re-export what screens need) nor the emulator.
"""
