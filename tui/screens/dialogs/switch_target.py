"""Switch target: the profiles of config.toml (Convex Cloud, self-hosted, sandbox). Choosing one
dismisses with its name; the app opens it in a worker."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.screens.dialogs.base import Dialog
from tui.services.config.settings import Config


class SwitchTargetDialog(Dialog):
    def __init__(self, config: Config | None, current: str) -> None:
        super().__init__()
        self.config = config
        self.current = current

    def compose(self) -> ComposeResult:
        profiles = dict(self.config.profiles) if self.config else {}
        with Vertical(classes="dialog"):
            yield Static("Switch target", classes="dialog-title")
            yield Static(f"Now: {self.current}", classes="dialog-body")
            if not profiles:
                yield Static(
                    "There are no profiles in config.toml yet. Add one, e.g.\n"
                    '  [profiles.prod]\n  kind = "cloud"\n  use_cli_login = true\n'
                    "then restart, or start with --profile NAME.",
                    classes="dialog-hint",
                )
                return
            options = [
                Option(f"{name}  ({profile.kind}{', read-only' if profile.read_only else ''})", id=name)
                for name, profile in sorted(profiles.items())
            ]
            yield OptionList(*options, id="profiles")
            yield Static("enter opens the profile; esc keeps the current target.", classes="dialog-hint")

    def on_mount(self) -> None:
        for option_list in self.query(OptionList):
            option_list.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)
