"""convex-backups: a terminal app for Convex Backup & Restore."""

__version__ = "0.1.0"
