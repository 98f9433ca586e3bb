"""The Convex snapshot ZIP: document ids, writing, reading, inspecting, and checking a ZIP's integrity, whole
on disk (`integrity`) or as it downloads (`stream_check`).

May import `tui.values`, the standard library, `orjson` and `isal` (optional: zlib stands in); never `tui.api`, `tui.services`, the UI, the emulator or
textual. The emulator and the services both build on it.
"""
