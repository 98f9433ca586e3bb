"""A tiny host App that pushes one of the restore screens and keeps what it dismissed with."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Static


class HostApp(App):
    def __init__(self, make_screen) -> None:
        super().__init__()
        self.make_screen = make_screen
        self.results: list = []
        self.screen_under_test = None

    def compose(self):
        yield Static("host app: the main screen would be here", id="host")

    def on_mount(self) -> None:
        self.screen_under_test = self.make_screen()
        self.push_screen(self.screen_under_test, self.results.append)
