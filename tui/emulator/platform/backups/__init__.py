"""Cloud backups on the emulated platform: the rules for requesting, listing, canceling and deleting them
(`cloud_backups`), restoring from one, periodic schedules and the scheduler that fires them, the tracker
that moves a backup along as its export does, and retention.

May import the rest of `tui.emulator`, `tui.archive` and `tui.values`; never `tui.api`, `tui.services`,
the UI or textual.
"""
