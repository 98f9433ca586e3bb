"""Help for the screen it was opened from: every key (after remapping from config), what it does, and
how to remap it. `esc`, `?` or `q` close it."""

from __future__ import annotations

from collections.abc import Mapping

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.bindings import KeySpec, effective_keys
from tui.screens.dialogs.base import Dialog


def keys_table(specs: tuple[KeySpec, ...], keymap: Mapping[str, str]) -> Table:
    # Only the key column refuses to wrap: a table wider than the screen would be wrapped again by the
    # widget, scattering cells across columns at 80x24.
    table = Table(box=None, show_header=True, header_style="bold", expand=True, pad_edge=False)
    table.add_column("Key", no_wrap=True)
    table.add_column("Action", ratio=2)
    table.add_column("What it does", ratio=4)
    table.add_column(Text("id (for [ui.keys])"), style="dim", ratio=2, overflow="fold")
    for spec in specs:
        name = spec.name + (" *" if spec.mutating else "")
        table.add_row(effective_keys(spec, keymap), name, spec.help, spec.id)
    return table


class HelpScreen(Dialog):
    BINDINGS = [
        Binding("escape", "cancel", "Close", id="dialog_cancel"),
        Binding("question_mark,f1,q", "cancel", "Close", show=False),
    ]

    def __init__(self, title: str, specs: tuple[KeySpec, ...], keymap: Mapping[str, str], about: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.specs = specs
        self.keymap = keymap
        self.about = about

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help"):
            yield Static(f"Help — {self.title_text}", classes="dialog-title")
            if self.about:
                yield Static(self.about, classes="dialog-body")
            yield Static(keys_table(self.specs, self.keymap), classes="help-keys")
            yield Static(
                "* changes a deployment: not offered on deployments marked read_only.\n"
                'Remap a key in config.toml, e.g. [ui.keys] backup_now = "B". '
                "ctrl+p lists every action by name. esc backs out and never quits.",
                classes="dialog-hint",
            )
