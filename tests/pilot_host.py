"""Pilot helpers shared by the screen tests: a host App that pushes the screen under test and keeps what
it dismissed with, and waiting for a condition."""

from __future__ import annotations

import asyncio

from textual.app import App
from textual.widgets import Static


class HostApp(App):
    HOST_TEXT = "host app"  # what shows behind a dialog (snapshots see it)

    def __init__(self, make_screen) -> None:
        super().__init__()
        self.make_screen = make_screen
        self.results: list = []
        self.screen_under_test = None

    def compose(self):
        yield Static(self.HOST_TEXT, id="host")

    def on_mount(self) -> None:
        self.screen_under_test = self.make_screen()
        self.push_screen(self.screen_under_test, self.results.append)


async def wait_until(pilot, condition, timeout: float = 60, what: str = "condition"):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)
