"""HTTP for every client of `tui.api`: how httpx clients are built (`clients`), the one place
requests are made with retries (`http`), proxies, TLS, the blocking transport for large bodies, and
transport failures as this app's typed errors.

May import the rest of `tui.api`, `tui.values` and the standard library; never `tui.services`, the UI,
the emulator or textual.
"""
