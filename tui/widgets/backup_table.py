"""The backups pane: one row per backup of the selected deployment. Sortable (`s` cycles the column),
filterable (`/`), humanised times with the exact UTC time on demand (`t`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from tui.services.protocol import BackupRecord
from tui.widgets import formatting as fmt

COLUMNS = (  # most telling first: at 80 columns the table shows about five
    ("state", "State"),
    ("requested", "Requested"),
    ("size", "Size"),
    ("expires", "Expires"),
    ("duration", "Took"),
    ("storage", "Files"),
    ("kind", "Kind"),
    ("source", "Source"),
)
SORTS = ("requested", "state", "expires", "size", "kind")


def _sort_key(column: str) -> Callable[[BackupRecord], object]:
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


class BackupTable(DataTable):
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

    def __init__(self, *, clock: Callable[[], datetime] = fmt.utc_now, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.clock = clock
        self.backups: list[BackupRecord] = []
        self.shown: list[BackupRecord] = []
        self.filter_text = ""
        self.sort_column = "requested"
        self.sort_reverse = True
        self.exact_times = False
        self.empty_text = "Choose a deployment to see its backups."
        self.flags: dict[str, str] = {}  # backup id -> "DROP customers -40%" (tui/services/backup_stats.py)

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    @property
    def selected(self) -> BackupRecord | None:
        if not self.shown or self.cursor_row < 0 or self.cursor_row >= len(self.shown):
            return None
        return self.shown[self.cursor_row]

    def show_backups(self, backups: list[BackupRecord]) -> None:
        self.backups = list(backups)
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
        words = " ".join((backup.id, backup.state, fmt.STATE_WORDS.get(backup.state, ""), backup.kind,
                          self.flags.get(backup.id, ""),
                          backup.source_deployment, "files" if backup.include_storage else "",
                          fmt.exact(backup.requested))).lower()
        return all(part in words for part in self.filter_text.split())

    def _row(self, backup: BackupRecord, now: datetime) -> tuple:
        requested = fmt.exact(backup.requested) if self.exact_times else fmt.ago(backup.requested, now)
        source = "" if backup.source_deployment == backup.deployment else f"from {backup.source_deployment}"
        state = fmt.state(backup)
        if self.flags.get(backup.id):
            state.append(" ")
            state.append(short_flag(self.flags[backup.id]), style="bold reverse")
        return (
            state,
            requested,
            fmt.size(backup.size),
            fmt.expires(backup, now),
            fmt.duration(backup, now),
            "yes" if backup.include_storage else "no",
            backup.kind,
            Text(source, style="italic"),
        )

    def redraw(self) -> None:
        keep = self.selected.id if self.selected else None
        now = self.clock()
        self.shown = sorted((b for b in self.backups if self._matches(b)), key=_sort_key(self.sort_column),
                            reverse=self.sort_reverse)
        self.clear()
        for backup in self.shown:
            self.add_row(*self._row(backup, now), key=backup.id)
        note = ""
        if not self.shown:
            note = f"No backup matches “{self.filter_text}”." if self.backups else self.empty_text
        else:
            index = next((i for i, b in enumerate(self.shown) if b.id == keep), 0)
            self.move_cursor(row=index)
        self.post_message(self.Emptiness(note))
        self.post_message(self.BackupChosen(self.selected))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.BackupChosen(self.selected))
