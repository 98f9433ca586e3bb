"""One emulated deployment and its storage: SQLite with commit timestamps, the table
mapping, documents, file storage, environment variables, system tables, pause state, the audit log, the
change feed, admin authentication and deployment names.

May import the rest of `tui.emulator`, `tui.archive` and `tui.values`; never `tui.api`, `tui.services`,
the UI or textual (tests and the app reach the emulator over HTTP only).
"""
