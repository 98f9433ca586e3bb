"""Snapshot exports: the `_exports` table's state machine (`state`) and the worker that writes a
consistent snapshot as a Convex ZIP (`worker`).

May import the rest of `tui.emulator`, `tui.archive` and `tui.values`; never `tui.api`, `tui.services`,
the UI or textual.
"""
