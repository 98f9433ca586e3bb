"""Convex's control plane ("big brain"): `client.PlatformClient` and the typed models of its
answers (teams, projects, deployments, cloud backups, schedules).

May import the rest of `tui.api` and `tui.values`; never `tui.services`, the UI, the emulator or textual.
"""
