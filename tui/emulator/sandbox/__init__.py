"""Running the sandbox: its data folder and the lock that gives it one owner, serving deployments
and the platform on loopback, `convex-backups sandbox serve`, and the app's child process
(`python -m tui.emulator.sandbox.child`).

May import the rest of `tui.emulator`, `tui.archive` and `tui.values`; never `tui.api`, `tui.services`,
the UI or textual.
"""
