"""Snapshot ZIPs as the operator sees them: what one holds (`inspect`), whether it is sound
(`verify`), how it differs from the deployment or another backup (`compare`), and each backup's per-table
statistics and trend (`stats`).

May import `tui.api`, `tui.archive`, `tui.values` and the rest of `tui.services`; never textual nor the emulator.
"""
