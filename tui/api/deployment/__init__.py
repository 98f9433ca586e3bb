"""A Convex deployment's own API: `client.DeploymentClient`, the typed models of its answers,
live values over its sync WebSocket, snapshot export downloads and multipart import uploads.

May import the rest of `tui.api` and `tui.values`; never `tui.services`, the UI, the emulator or textual.
"""
