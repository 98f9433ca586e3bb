"""Pilot helpers shared by the screen tests: a host App that pushes the screen under test and keeps what
it dismissed with, the notifications an app shows, and waiting for a condition."""

from __future__ import annotations

import asyncio

from textual.app import App
from textual.notifications import Notification
from textual.widgets import Static


class HostApp(App):
    HOST_TEXT = "host app"  # what shows behind a dialog (snapshots see it)

    def __init__(self, make_screen) -> None:
        super().__init__()
        self.make_screen = make_screen
        self.results: list = []
        self.screen_under_test = None
        self.shown = record_notifications(self)

    def compose(self):
        yield Static(self.HOST_TEXT, id="host")

    def on_mount(self) -> None:
        self.screen_under_test = self.make_screen()
        self.push_screen(self.screen_under_test, self.results.append)


async def wait_until(pilot, condition, timeout: float = 60, what: str = "condition"):
    """`condition()`'s first true value, checked every 50 ms of the app's time for up to `timeout` seconds;
    once it holds, the messages already queued on the screen are handled (`pilot.pause()`), so that what the
    same change set off (a prompt, a redraw) is done too. Between checks the app runs on its own: a
    `pilot.pause` there would walk the whole screen 20 times a second."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (value := condition()):
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
    await pilot.pause()
    return value


async def screen_settled(pilot, timeout: float = 60) -> None:
    """Until no worker of the screen on top (nor of any widget on it) runs, and what they posted is handled
    (`wait_until`): what a dialog loads when it opens is on screen. Not for a screen that keeps a worker
    running (the main screen's polls)."""
    app = pilot.app

    def idle() -> bool:
        screen = app.screen
        on_screen = {screen, *screen.walk_children()}
        return not any(worker.is_running and worker.node in on_screen for worker in app.workers)

    await wait_until(pilot, idle, timeout, what=f"the workers of {type(app.screen).__name__} to end")


def record_notifications(app: App) -> list[Notification]:
    """Every notification `app` shows from now on, in order, caught where it enters: Textual's public `notify`
    (which every widget's `notify` calls). Unlike the toasts on screen, none is forgotten when it times out."""
    shown: list[Notification] = []
    notify = app.notify

    def recording(
        message: str, *, title: str = "", severity="information", timeout: float | None = None, markup: bool = True
    ) -> None:
        shown.append(Notification(message, title, severity, timeout if timeout is not None else 0, markup=markup))
        notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    app.notify = recording  # type: ignore[method-assign]
    return shown
