"""The backups pane: one row per backup of the selected deployment. Sortable (`s` cycles the column),
filterable (`/`), humanised times with the exact UTC time on demand (`t`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from tui.services.protocol import BackupRecord
from tui.widgets import formatting as fmt
from tui.widgets.marked_table import MarkedDataTable

# Most telling first. Columns are shown in this order while they fit the table's width whole; the rest are
# dropped (the detail pane shows every field) so that nothing scrolls sideways. The first four always stay;
# where even they do not fit (80 columns), they are abbreviated: "Age" without "ago", sizes without a decimal
# from 100 up, exact times without year ("At (UTC)").
COLUMNS = (
    ("state", "State"),
    ("requested", "Requested"),
    ("size", "Size"),
    ("storage", "Files"),
    ("expires", "Expires"),
    ("id", "Id"),
    ("duration", "Took"),
    ("kind", "Kind"),
    ("source", "Source"),
)
KEPT = 4  # state, age, size, files: never dropped
SHORT_LABELS = {"requested": "Age"}
SHORT_EXACT_LABELS = {"requested": "At (UTC)"}
NO_MARK = "  "  # room for the cursor's ▶ (MarkedDataTable) and a space before the state's own glyph
SORTS = ("requested", "state", "expires", "size", "kind")


def _sort_key(column: str) -> Callable[[BackupRecord], Any]:
    return {
        "requested": lambda b: b.requested,
        "state": lambda b: (b.state, b.requested),
        "expires": lambda b: (b.expires is None, b.expires or b.requested),
        "size": lambda b: (b.size or 0, b.requested),
        "kind": lambda b: (b.kind, b.requested),
    }[column]


def short_flag(flag: str, width: int = 24) -> str:
    """The first DROP of a flag, its table name cut to fit, and how many more (the details pane has all)."""
    first, *others = flag.split(", ")
    if len(first) > width:
        word, table, share = first.split(" ")[0], " ".join(first.split(" ")[1:-1]), first.split(" ")[-1]
        table = table[: max(3, width - len(word) - len(share) - 3)] + "…"
        first = f"{word} {table} {share}"
    return first + (f" +{len(others)}" if others else "")


def _width(cell: Text | str) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(cell)


class BackupTable(MarkedDataTable):
    """Posts `BackupChosen` when the cursor rests on a backup (None when the table is empty)."""

    class BackupChosen(Message):
        def __init__(self, backup: BackupRecord | None) -> None:
            super().__init__()
            self.backup = backup

    class Emptiness(Message):
        """What to say instead of rows ("" when there are rows)."""

        def __init__(self, note: str) -> None:
            super().__init__()
            self.note = note

    MARK_AT = 1  # past the cell padding (1): the first space of NO_MARK

    def __init__(self, *, clock: Callable[[], datetime] = fmt.utc_now, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.clock = clock
        self.backups: list[BackupRecord] = []
        self.shown: list[BackupRecord] = []
        self.filter_text = ""
        self.sort_column = "requested"
        self.sort_reverse = True
        self.exact_times = False
        self.restoring: frozenset[str] = frozenset()  # backups being restored into this deployment now
        self.empty_text = "Choose a deployment to see its backups."
        self._drawn_for: tuple[int, bool] = (0, False)  # the `_layout` the columns were chosen for
        self.flags: dict[str, str] = {}  # backup id -> "DROP customers -40%" (tui/services/snapshots/stats.py)

    def on_mount(self) -> None:
        self._draw(None)

    def on_resize(self) -> None:
        """Columns again when the width changes, or the height brings or takes away the scrollbar."""
        if self._layout() != self._drawn_for:
            self._draw(self.selected.id if self.selected else None)

    def _layout(self) -> tuple[int, bool]:
        return self.size.width, len(self.shown) + 1 > self.size.height

    @property
    def selected(self) -> BackupRecord | None:
        if not self.shown or self.cursor_row < 0 or self.cursor_row >= len(self.shown):
            return None
        return self.shown[self.cursor_row]

    def show_backups(self, backups: list[BackupRecord]) -> None:
        self.backups = list(backups)
        self.redraw()

    def mark_restoring(self, backup_ids: frozenset[str]) -> None:
        """As the dashboard's "Restoring…" on the row of the backup a running restore reads from."""
        if backup_ids != self.restoring:
            self.restoring = backup_ids
            self.redraw()

    def show_flags(self, flags: dict[str, str]) -> None:
        """The DROP flags, in words next to each flagged backup's state."""
        if flags != self.flags:
            self.flags = dict(flags)
            self.redraw()

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip().lower()
        self.redraw()

    def cycle_sort(self) -> str:
        index = SORTS.index(self.sort_column)
        if self.sort_reverse:
            self.sort_reverse = False
        else:
            self.sort_column, self.sort_reverse = SORTS[(index + 1) % len(SORTS)], True
        self.redraw()
        return f"sorted by {self.sort_column}, {'newest/largest' if self.sort_reverse else 'oldest/smallest'} first"

    def toggle_exact(self) -> None:
        self.exact_times = not self.exact_times
        self.redraw()

    def _matches(self, backup: BackupRecord) -> bool:
        if not self.filter_text:
            return True
        words = " ".join(
            (
                backup.id,
                backup.state,
                fmt.STATE_WORDS.get(backup.state, ""),
                backup.kind,
                self.flags.get(backup.id, ""),
                backup.source_deployment,
                "files" if backup.include_storage else "",
                "restoring" if backup.id in self.restoring else "",
                fmt.exact(backup.requested),
            )
        ).lower()
        return all(part in words for part in self.filter_text.split())

    def _cells(self, backup: BackupRecord, now: datetime, short: bool) -> dict[str, Text | str]:
        if self.exact_times:
            requested = fmt.exact_short(backup.requested) if short else fmt.exact(backup.requested)
        else:
            requested = fmt.age(backup.requested, now) if short else fmt.ago(backup.requested, now)
        source = "" if backup.source_deployment == backup.deployment else f"from {backup.source_deployment}"
        state = Text(NO_MARK) + fmt.state(backup)
        if backup.id in self.restoring:
            state.append(" ⟳ restoring", style="bold")
        if self.flags.get(backup.id):  # narrow: the word alone, so state, age, size and files still fit
            state.append(" ")
            state.append("DROP" if short else short_flag(self.flags[backup.id]), style="bold reverse")
        return {
            "state": state,
            "requested": requested,
            "size": fmt.size_short(backup.size) if short else fmt.size(backup.size),
            "storage": "yes" if backup.include_storage else "no",
            "expires": fmt.expires(backup, now),
            "id": backup.id,
            "duration": fmt.duration(backup, now),
            "kind": backup.kind,
            "source": Text(source, style="italic"),
        }

    def _labels(self, short: bool) -> dict[str, str]:
        if not short:
            return {}
        return SHORT_EXACT_LABELS if self.exact_times else SHORT_LABELS

    def _fit(self, rows: list[dict[str, Text | str]], short: bool) -> list[str] | None:
        """The columns that fit whole in the table's width, or None when even the kept four do not."""
        room, scrolls = self._layout()
        if scrolls:  # more rows than lines (with the header): the vertical scrollbar takes its share
            room -= self.styles.scrollbar_size_vertical
        chosen, used = [], 0
        for index, (key, label) in enumerate(COLUMNS):
            label = self._labels(short).get(key, label)
            width = max([cell_len(label), *(_width(r[key]) for r in rows)]) + 2 * self.cell_padding
            if used + width > room:
                if index < KEPT:
                    return None
                break
            chosen.append(key)
            used += width
        return chosen

    def redraw(self) -> None:
        """Sort and filter again, draw, and say what is chosen."""
        keep = self.selected.id if self.selected else None
        self.shown = sorted(
            (b for b in self.backups if self._matches(b)), key=_sort_key(self.sort_column), reverse=self.sort_reverse
        )
        self._draw(keep)
        note = ""
        if not self.shown:
            note = f"No backup matches “{self.filter_text}”." if self.backups else self.empty_text
        self.post_message(self.Emptiness(note))
        self.post_message(self.BackupChosen(self.selected))

    def _draw(self, keep: str | None) -> None:
        """Columns for this width, then the rows of `shown`; the cursor stays on backup `keep`."""
        now = self.clock()
        short = False
        rows = [self._cells(b, now, short=False) for b in self.shown]
        columns = self._fit(rows, short) if self.size.width else [key for key, _ in COLUMNS[:KEPT]]
        if columns is None:
            short = True
            rows = [self._cells(b, now, short=True) for b in self.shown]
            columns = self._fit(rows, short) or [key for key, _ in COLUMNS[:KEPT]]
        self._drawn_for = self._layout()
        self.clear(columns=True)
        labels = dict(COLUMNS) | self._labels(short)
        for key in columns:
            self.add_column(labels[key], key=key)
        for backup, cells in zip(self.shown, rows):
            self.add_row(*(cells[key] for key in columns), key=backup.id)
        if self.shown:
            index = next((i for i, b in enumerate(self.shown) if b.id == keep), 0)
            self.move_cursor(row=index)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.BackupChosen(self.selected))
