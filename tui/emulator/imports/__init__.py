"""Snapshot imports: the `_snapshot_imports` state machine (`state`), the worker, the upload as
tables of rows whatever its format (ZIP, CSV, JSON Lines, JSON array), the parse and execute phases, and
the failures Convex reports.

May import the rest of `tui.emulator`, `tui.archive` and `tui.values`; never `tui.api`, `tui.services`,
the UI or textual.
"""
