"""Convex Cloud (and the sandbox, which speaks the same HTTP): `target.CloudTarget`, the
`BackupTarget` of a Cloud deployment; its cloud backups, the team/project/deployment directory, periodic
schedules, which token reaches which route, and the deployment credentials a token yields.

May import `tui.api`, `tui.archive`, `tui.values` and the rest of `tui.services`; never textual nor the emulator.
"""
