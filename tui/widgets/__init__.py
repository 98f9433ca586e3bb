"""Widgets the screens share: the deployments tree, the backups table, the detail, progress and trend
panes, the key bar, typed confirmation, a table whose cursor row reads without colour (`marked_table`), a
checkbox that says on or off in words (`state_checkbox`), a restore's per-table changes and progress
(`table_changes`), and the words for values (`formatting`).

UI: may import textual, `tui.messages` and `tui.services`; never `tui.screens`, `tui.api` nor the emulator.
"""
