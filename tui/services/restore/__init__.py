"""Putting data back: the checks before a restore, the safety copy, the import every restore
ends in (`flow`), restoring chosen tables or single documents, importing a ZIP from disk, what a full
restore does to each table (`review`), what to say when a running restore is lost (`lost_restore`), and the
staged imports this app left behind (the guard, this machine's ledger, the listing).

May import `tui.api`, `tui.archive`, `tui.values` and the rest of `tui.services`; never textual nor the emulator.
"""
