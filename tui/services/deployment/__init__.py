"""What every kind of target does to one deployment through the deployment's own API:
its environment variables (live, and the sets saved beside backups), pausing, values watched live over the
sync protocol, and how far a snapshot export has come.

May import `tui.api`, `tui.archive`, `tui.values` and the rest of `tui.services`; never textual nor the emulator.
"""
