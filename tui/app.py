"""The Textual application: opens the target in a worker (the first screen is drawn before any network
answer), applies key remaps from config, offers every action in the command palette under a plain name,
and asks before quitting while something runs. `esc` never quits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from pathlib import PurePath
from typing import TYPE_CHECKING

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from tui import bindings as keys
from tui.messages import TargetOpened
from tui.screens.main.screen import MainScreen
from tui.services.config.settings import Config
from tui.services.protocol import BackupTarget, TargetInfo
from tui.widgets import formatting as fmt

if TYPE_CHECKING:  # opening a target imports the network stack: not before the first frame
    from tui.services.config.open_target import AppSession

CSS_FILES: list[str | PurePath] = ["styles/app.tcss", "styles/panes.tcss"]  # dialogs bring their own


class ConvexBackupsApp(App):
    CSS_PATH = CSS_FILES
    TITLE = "convex-backups"
    BINDINGS = keys.bindings(keys.APP_KEYS)
    ENABLE_COMMAND_PALETTE = True
    COMMAND_PALETTE_BINDING = "ctrl+p"

    def __init__(
        self,
        target: BackupTarget | None = None,
        config: Config | None = None,
        *,
        session: AppSession | None = None,
        opener: Callable[[], Awaitable[BackupTarget]] | None = None,
        clock: Callable[[], datetime] = fmt.utc_now,
        emergency: str | None = None,
    ) -> None:
        """`target` when it is already open; else `opener` (or `session.open`) opens it in a worker."""
        super().__init__()
        self.target: BackupTarget | None = target
        self.config = config if config is not None or session is None else session.config
        self.session = session
        self.opener = opener
        self.clock = clock
        self.target_info: TargetInfo | None = None
        self.start_deployment: str | None = None
        self.emergency = emergency  # open the emergency checklist once connected ("" = production)
        self.keymap: dict[str, str] = {}
        self.sub_title = "connecting…"

    # -- start-up -----------------------------------------------------------------------------------------
    def on_mount(self) -> None:
        if self.config is None and self.session is not None:
            self.config = self.session.config
        self.keymap, warnings = keys.keymap_from_config(self.config.ui if self.config else None)
        if self.keymap:
            self.set_keymap(self.keymap)
        for warning in warnings:
            self.notify(warning, title="config.toml", severity="warning", timeout=10)
        session = self.session
        for warning in session.warnings if session is not None else ():
            self.notify(str(warning), severity="warning", timeout=10)
        spec = session.spec if session is not None else None
        self.start_deployment = spec.deployment if spec is not None else None
        # The target opens once the main screen's first frame is drawn (MainScreen.on_mount): opening
        # imports the network stack, which would otherwise delay that frame.
        self.push_screen(MainScreen(clock=self.clock, width=self.size.width))

    @property
    def main(self) -> MainScreen:
        return next(s for s in self.screen_stack if isinstance(s, MainScreen))

    @work(exclusive=True, group="open-target", exit_on_error=False)
    async def open_target(self) -> None:
        try:
            if self.target is None:
                opener = self.opener or (self.session.open if self.session is not None else None)
                if opener is None:
                    raise ValueError("No target was given to the app.")
                self.target = await opener()
            info = await self.target.info()
        except Exception as exc:  # noqa: BLE001 - shown to the operator
            from tui.messages import ServiceFailed

            self.main.post_message(ServiceFailed("open the target", exc))
            return
        self.post_message(TargetOpened(info))

    def on_target_opened(self, message: TargetOpened) -> None:
        info = self.target_info = message.info
        self.sub_title = info.label if not info.notice else f"{info.notice} · {info.label}"
        if info.kind == "sandbox":
            where = f" ({info.base_url})" if info.base_url else ""
            self.sub_title = f"{info.notice or 'local sandbox — not your Convex account'}{where}"
        self.main.target_ready()
        from tui.services.restore.staged_guard import StagedImportGuard

        if isinstance(self.target, StagedImportGuard):  # imports an earlier run left staged, cancelled on opening
            for note in self.target.cleanup_notes:
                self.notify(note, title="Staged import cancelled", timeout=20)
        if self.emergency is not None and self.target is not None:
            from tui.screens.emergency.open import open_emergency

            open_emergency(self, self.target, self.emergency or None)
            self.emergency = None

    # -- help, palette, quit ------------------------------------------------------------------------------
    def action_help(self) -> None:
        from tui.screens.dialogs.help import HelpScreen

        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        if isinstance(screen, MainScreen):
            specs, title = keys.MAIN_KEYS + keys.APP_KEYS, "main screen"
        else:
            # A hidden twin (`<id>_why`) follows its key, so help lists the key once; a binding without an
            # id shows none (only ids can be remapped).
            specs = (
                tuple(
                    keys.KeySpec(b.id or "", b.key, b.action, b.description or b.action, "screen")
                    for b in screen.BINDINGS
                    if isinstance(b, Binding) and not (b.id or "").endswith(keys.TWIN_SUFFIX)
                )
                + keys.APP_KEYS
            )
            title = type(screen).__name__
        self.push_screen(HelpScreen(title, specs, self.keymap, getattr(screen, "HELP", "")))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every action under its plain name; on the main screen only those that make sense now."""
        if isinstance(screen, MainScreen):
            for spec in keys.MAIN_KEYS:
                if not spec.palette or screen.check_action(spec.action, ()) is not True:
                    continue
                yield SystemCommand(spec.name, spec.help, lambda a=spec.action: screen.run_action(a))
        yield SystemCommand("Help", "Keys that work on this screen", self.action_help)
        yield SystemCommand("Switch target", "Open another profile", self.action_switch_target)
        yield SystemCommand("Quit", "Leave the app (asks first while something runs)", self.action_request_quit)
        yield from (c for c in super().get_system_commands(screen) if c.title in ("Theme", "Change theme"))

    def action_request_quit(self) -> None:
        from tui.screens.dialogs.confirm import ConfirmDialog

        busy = any(isinstance(s, MainScreen) and s.busy for s in self.screen_stack)
        if not busy:
            self.exit()
            return
        body = (
            "Something is still running (see the Running pane). Backups and restores continue on the "
            "server without this app; a download stops and resumes next time. Quit now?"
        )
        self.push_screen(
            ConfirmDialog("Quit while something runs?", body, confirm_key="y", confirm_label="Quit", danger=False),
            lambda yes: self.exit() if yes else None,
        )

    # -- switching target ---------------------------------------------------------------------------------
    def action_switch_target(self) -> None:
        from tui.screens.dialogs.switch_target import SwitchTargetDialog

        current = self.target_info.label if self.target_info else "not connected"

        def chosen(name: str | None) -> None:
            if name:
                self.switch_to(name)

        self.push_screen(SwitchTargetDialog(self.config, current), chosen)

    @work(exclusive=True, group="open-target", exit_on_error=False)
    async def switch_to(self, profile: str) -> None:
        import os
        from pathlib import Path

        from tui.services.config.settings import Homes
        from tui.services.config.open_target import open_target
        from tui.services.config.targets import from_profile

        try:
            config = self.config
            if config is None:  # the dialog offers profiles of a loaded config.toml only
                raise ValueError("no config.toml is loaded")
            chosen = config.profile(profile)
            if chosen.kind == "sandbox":
                spec = self.session.spec if self.session is not None else None
                if spec is None or spec.kind != "sandbox":
                    raise ValueError(
                        f"The sandbox is started at launch: run convex-backups --profile {profile} to use it."
                    )
            else:
                spec = from_profile(config, chosen, dict(os.environ), Path.home())
            homes = self.session.homes if self.session is not None else Homes.from_environ()
            target = await open_target(spec, homes)
            info = await target.info()
        except Exception as exc:  # noqa: BLE001
            self.notify(fmt.error_text(exc), title=f"Could not open profile {profile}", severity="error")
            return
        old, self.target = self.target, target
        if old is not None:
            try:
                await old.aclose()
            except Exception:  # noqa: BLE001 - closing the old one is best effort
                pass
        self.main.current = None
        self.post_message(TargetOpened(info))

    async def on_unmount(self) -> None:
        if self.target is not None and self.session is not None:
            try:
                await self.target.aclose()
            except Exception:  # noqa: BLE001
                pass
