"""The emulated Convex platform ("big brain"): teams, projects, deployments, cloud backups, schedules.

State lives in `platform.sqlite3` in the sandbox data folder; each deployment's data stays in its own
folder. See `service.Platform` for how the pieces fit together. By feature: `routes/` (big brain's HTTP
routes), `backups/` (cloud backups, schedules, restores, retention) and `access/` (tokens and who may call).

May import the rest of `tui.emulator`, `tui.archive` and `tui.values`; never `tui.api`, `tui.services`,
the UI or textual.
"""
