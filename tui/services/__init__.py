"""What an operator does, the same for every kind of target: `protocol.BackupTarget` and its values,
`cloud.CloudTarget` for Convex Cloud and the sandbox, configuration, env snapshots and schedule times.

This layer talks HTTP through `tui.api` and imports neither textual nor `tui.emulator`.
"""
