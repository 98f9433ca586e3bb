"""A deployment's HTTP and WebSocket surface: the ASGI app (`app`), the plumbing its routes share
(`common`), one module per family of routes, and the sync protocol (`sync`).

May import the rest of `tui.emulator`, `tui.archive` and `tui.values`; never `tui.api`, `tui.services`,
the UI or textual.
"""
