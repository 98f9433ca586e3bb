"""Where this app keeps things and what `config.toml` says (`settings`; the app never writes it), which
target to use (`targets`, no network) and opening it as a live `BackupTarget` (`open_target`).

May import `tui.api`, `tui.archive`, `tui.values` and the rest of `tui.services`; never textual nor the emulator.
"""
