"""Schedule times: local wall-clock time and the UTC weekday/hour/minute a schedule stores
(`times`), and a schedule change that keeps what the operator did not ask to change (`change`).

May import `tui.api`, `tui.archive`, `tui.values` and the rest of `tui.services`; never textual nor the emulator.
"""
