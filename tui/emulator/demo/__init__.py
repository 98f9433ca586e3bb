"""The sandbox's demo apps: their shapes and realistic values, seeding a deployment with one, and
background write traffic so the sandbox looks alive.

May import the rest of `tui.emulator`, `tui.archive` and `tui.values`; never `tui.api`, `tui.services`,
the UI or textual.
"""
