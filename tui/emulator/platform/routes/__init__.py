"""Big brain's HTTP routes, by family: the CLI's, the dashboard's, the Management API's, cloud
backups and schedules, and the emulator-only controls; `endpoint` holds what they share.

May import the rest of `tui.emulator`, `tui.archive` and `tui.values`; never `tui.api`, `tui.services`,
the UI or textual.
"""
