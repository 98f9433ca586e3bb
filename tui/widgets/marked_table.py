"""A row-cursor DataTable whose cursor row is marked by a glyph (▶) as well as by colour, so it reads on a
monochrome terminal and under NO_COLOR. The glyph takes the place of one space at the start of the first
column: the cell's left padding, or (MARK_AT) a space the table keeps at the start of that column's cells."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

CURSOR_MARK = "▶"


# Where neither the cursor nor the mouse is, for a row they are not on (the header row is -1).
_ELSEWHERE = Coordinate(-2, -2)


class MarkedDataTable(DataTable):
    MARK_AT = 0  # cells from the first column's left edge: 0 is its padding

    def _render_line_in_row(
        self, row_key: RowKey, line_no: int, base_style: Style, cursor_location: Coordinate, hover_location: Coordinate
    ) -> tuple[list[list[Segment]], list[list[Segment]]]:
        # DataTable caches each row's rendering under the cursor's and the mouse's coordinates, so every move
        # of the cursor renders every row on screen again (a scroll moves all of them). With a row cursor a
        # row is drawn alike wherever the cursor is, as long as it is not on that row: one key for all those
        # places keeps the cache (tests/benchmarks/test_tui_latency.py measures the keypress).
        if self.cursor_type == "row":
            row = self._row_locations.get(row_key) if row_key in self._row_locations else -1
            if cursor_location.row != row:
                cursor_location = _ELSEWHERE
            if hover_location.row != row:
                hover_location = _ELSEWHERE
        return super()._render_line_in_row(row_key, line_no, base_style, cursor_location, hover_location)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        # Drawn here rather than written into the cell: DataTable caches each cell drawn with and without the
        # cursor, so moving the cursor redraws two rows, where changing a cell would redraw every row shown.
        lines = super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        if not (
            cursor and self.cursor_type == "row" and row_index >= 0 and column_index == 0 and self.show_cursor and lines
        ):
            return lines
        first = lines[0]
        head, room, rest = Segment.divide(first, [self.MARK_AT, self.MARK_AT + 1, Segment.get_line_length(first)])
        if "".join(segment.text for segment in room) != " ":
            return lines
        return [[*head, Segment(CURSOR_MARK, room[0].style), *rest], *lines[1:]]
