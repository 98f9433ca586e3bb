"""Widgets the screens share: the deployments tree, the backups table, the detail, progress and trend
panes, the key bar, typed confirmation, and the words for values (`formatting`).

UI: may import textual, `tui.messages` and `tui.services`; never `tui.screens`, `tui.api` nor the emulator.
"""
