"""Who may call the emulated platform: access tokens (minted, shown once, stored as a sha256), the 0600
files the sandbox keeps them in, which kind of token each family of routes accepts, and `Authorization:
Bearer` turned into a principal.

May import the rest of `tui.emulator`, `tui.archive` and `tui.values`; never `tui.api`, `tui.services`,
the UI or textual.
"""
