"""A local emulator of Convex's APIs, served on loopback: one deployment's storage and state
(`deployment/`), its system functions (`functions/`), exports and imports (`exports/`, `imports/`), its
HTTP and WebSocket routes (`routes/`), the emulated platform "big brain" (`platform/`), the demo apps
(`demo/`) and running it all as the sandbox (`sandbox/`); here what they share: the injectable clock,
`ConvexError`s, the worker throttle, background worker threads, read-ahead (`prefetch`) and 0600 secret files.

May import `tui.archive`, `tui.values` and the standard library (with orjson, starlette, uvicorn, websockets);
never `tui.api`, `tui.services`, the UI, the headless commands or textual.
"""
