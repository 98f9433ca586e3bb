"""The deployment's trend over its backups, at the top of the details pane: documents and ZIP size as
sparklines (oldest left), their latest values in numbers, and every DROP flag in words (never colour
alone). Hidden until the counts of at least one backup are known (tui/services/snapshots/stats.py)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Sparkline, Static

from tui.services.snapshots.stats import Trend
from tui.widgets import formatting as fmt


class TrendPanel(Vertical):
    DEFAULT_CSS = """
    TrendPanel { height: auto; margin-bottom: 1; }
    TrendPanel > Horizontal { height: 1; }
    TrendPanel .trend-label { width: 10; color: $text-muted; }
    TrendPanel Sparkline { width: 1fr; max-width: 40; }
    TrendPanel .trend-value { width: 10; text-align: right; }
    TrendPanel #trend-drops { height: auto; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.trend = Trend()
        self.deployment = ""
        self.drop_percent = 20.0

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static("Documents", classes="trend-label")
            yield Sparkline([], id="trend-documents")
            yield Static("", id="trend-documents-value", classes="trend-value", markup=False)
        with Horizontal():
            yield Static("Size", classes="trend-label")
            yield Sparkline([], id="trend-size")
            yield Static("", id="trend-size-value", classes="trend-value", markup=False)
        yield Static("", id="trend-drops", markup=False)

    def on_mount(self) -> None:
        self.display = False

    def show_trend(self, deployment: str, trend: Trend, drop_percent: float, *, counting: int = 0) -> None:
        self.deployment, self.trend, self.drop_percent = deployment, trend, drop_percent
        points = trend.points
        self.display = bool(points) or counting > 0
        counting_words = (
            f"Counting the documents of {counting} backup{'s' * (counting != 1)} (each downloaded "
            "once, then remembered)…"
            if counting
            else ""
        )
        for row in self.query(Horizontal):
            row.display = bool(points)
        if not points:
            self.query_one("#trend-drops", Static).update(counting_words)
            return
        self.query_one("#trend-documents", Sparkline).data = trend.documents
        self.query_one("#trend-size", Sparkline).data = trend.sizes
        last = points[-1]
        self.query_one("#trend-documents-value", Static).update(f"{last.documents:,}")
        self.query_one("#trend-size-value", Static).update(fmt.size(last.size))
        self.query_one("#trend-drops", Static).update("\n".join(filter(None, (self.drops_text(), counting_words))))

    def drops_text(self) -> str:
        count = len(self.trend.points)
        over = f"Over {count} backups (oldest left): " if count > 1 else "1 backup counted so far: "
        flagged = [(p, self.trend.flag(p.backup_id)) for p in self.trend.points if self.trend.flag(p.backup_id)]
        if not flagged:
            return f"{over}no table lost more than {self.drop_percent:g}% of its documents."
        return over + "; ".join(
            f"{flag} in backup {point.backup_id} ({fmt.exact(point.taken)})" for point, flag in flagged
        )
