"""Finding the operator's Convex credentials the way the Convex CLI does (`finder`), the `.env`
files it reads (`dotenv`), and refusing before any request a credential that could only fail or leak
(`checks`).

May import the rest of `tui.api`; never `tui.services`, the UI, the emulator or textual.
"""
