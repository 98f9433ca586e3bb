"""A local emulator of Convex's APIs, served on loopback: one deployment's storage and state
(`deployment/`), its system functions (`functions/`), exports and imports (`exports/`, `imports/`), its
HTTP and WebSocket routes (`routes/`), the emulated platform "big brain" (`platform/`), the demo apps
(`demo/`) and running it all as the sandbox (`sandbox/`).

May import `tui.archive`, `tui.values` and the standard library (with orjson, starlette, uvicorn, websockets);
never `tui.api`, `tui.services`, the UI, the headless commands or textual.
"""
