"""The emulated system functions (`_system/...`) served by /api/query, /api/mutation and the
sync protocol: their registry, argument checks, and the functions by family (data browsing and editing,
env vars, exports, imports).

May import the rest of `tui.emulator`, `tui.archive` and `tui.values`; never `tui.api`, `tui.services`,
the UI or textual.
"""
