"""The emergency-restore checklist (tui/screens/README.md "The emergency-restore checklist"): `EmergencyScreen`
(screen.py) composes one widget per step (step_*.py, each a `StepPanel` from panel.py) in a `ContentSwitcher`,
the prompt under them (prompt.py) and the step list; open.py opens it from the app. What the steps share is a
`ChecklistContext` (context.py). The checklist's bookkeeping and every operation live in `tui.services`
(`tui/services/checklist/`: state, operations, pausing, data, recording, ...): this package draws and asks.

UI: may import textual, `tui.widgets`, `tui.services`, the other screens (the restore wizard, the diff and
inspect screens) and `tui.app` for its type only (under `TYPE_CHECKING`); never `tui.api` (services re-export
its secrets), and never the emulator."""
