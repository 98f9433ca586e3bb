"""Self-hosted Convex, reached by URL and admin key: `target.SelfHostedTarget`, the
backups this app makes by snapshot export (`backup`), keeps in its own store (`local_store`) and runs on a
daily/weekly schedule (`schedules_runner`).

May import `tui.api`, `tui.archive`, `tui.values` and the rest of `tui.services`; never textual nor the emulator.
"""
