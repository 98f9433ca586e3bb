"""The emulated Convex platform ("big brain"): teams, projects, deployments, cloud backups, schedules.

State lives in `platform.sqlite3` in the sandbox data folder; each deployment's data stays in its own
folder. See `service.Platform` for how the pieces fit together.
"""
