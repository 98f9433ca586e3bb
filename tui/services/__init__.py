"""What an operator does, the same for every kind of target. Here: the one interface every target offers
(`protocol.BackupTarget`) and the plain values it returns (`records`), the service layer's refusals
(`errors`, which also re-exports the API's errors for the UI), `secrets` (re-exported for the UI), ETAs
(`progress`) and byte counts in the Convex CLI's words (`sizes`). By feature: `cloud/` and `self_hosted/` (the
kinds of target), `deployment/` (env vars, pausing, live values), `downloads/`, `restore/`, `snapshots/`
(inspect, verify, compare, stats), `checklist/` (the emergency restore), `schedules/` and `config/`.

May import `tui.api`, `tui.archive` and `tui.values`; never textual nor `tui.emulator` (the sandbox is
reached over HTTP like any deployment). The UI imports this layer, never `tui.api` directly.
"""
