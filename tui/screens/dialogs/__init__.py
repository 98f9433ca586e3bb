"""Small modal dialogs: the base every dialog extends (`base.Dialog`: `esc` closes, never quits),
yes/no confirmation, back up now, download, periodic backups, switch target and help.

UI: may import textual, `tui.widgets`, `tui.messages`, `tui.bindings` and `tui.services`; never `tui.api`
(services re-export what screens need) nor the emulator.
"""
