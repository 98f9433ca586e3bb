"""The Textual application (the panes of backups arrive with the TUI work; this is its shell)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, Static


class ConvexBackupsApp(App):
    CSS_PATH = "styles/app.tcss"
    TITLE = "convex-backups"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("escape", "back", "Back", show=False, id="back"),
    ]

    def __init__(self, targets: list[tuple[str, str]], data_dir: str):
        super().__init__()
        self.targets = targets
        self.data_dir = data_dir
        self.sub_title = "local sandbox (not your Convex account)"

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="sandbox"):
            yield Static("Local sandbox deployments", classes="pane-title")
            yield DataTable(id="deployments", cursor_type="row")
            yield Static(
                f"Data folder: {self.data_dir}\n"
                "Point the official CLI at a deployment with: convex-backups sandbox credentials > .env.local",
                id="hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Deployment", "Type", "URL")
        for name, url in self.targets:
            table.add_row(name, "sandbox", url)

    def action_back(self) -> None:
        """`esc` backs out of dialogs and never quits."""
