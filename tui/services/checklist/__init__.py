"""The emergency-restore checklist without its screen: its state (`state.Checklist`),
what each step does on the server (`operations`), pausing from step 0, step 3's code push (plan, run,
confirmation), step 5's manual data fixes, the target that records what step 2's restore wizard does
(`recording`), and the incident log written at the end.

May import `tui.api`, `tui.archive`, `tui.values` and the rest of `tui.services`; never textual nor the emulator.
"""
