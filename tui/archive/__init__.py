"""The Convex snapshot ZIP: where things live in it (`layout`), document ids (`ids`), writing (`writer`),
reading with every check (`reader`, `members`, `lines`, `rows`, `limits`), inspecting (`inspect`) and verifying
(`verify`) one, checking a ZIP's integrity whole on disk (`integrity`) or as it downloads (`stream_check`), the
diff of two snapshots (`snapshot_diff`), table subsets (`subset`) and document patches (`document_patch`).

May import `tui.values`, the standard library, `orjson` and `isal` (optional: zlib stands in); never `tui.api`,
`tui.services`, the UI, the emulator or textual. The emulator and the services both build on it.
"""
