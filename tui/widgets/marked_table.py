"""A row-cursor DataTable whose cursor row is marked by a glyph (▶) as well as by colour, so it reads on a
monochrome terminal and under NO_COLOR. The glyph takes the place of one space at the start of the first
column: the cell's left padding, or (MARK_AT) a space the table keeps at the start of that column's cells."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.widgets import DataTable

CURSOR_MARK = "▶"


class MarkedDataTable(DataTable):
    MARK_AT = 0  # cells from the first column's left edge: 0 is its padding

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False) -> list[list[Segment]]:
        # Drawn here rather than written into the cell: DataTable caches each cell drawn with and without the
        # cursor, so moving the cursor redraws two rows, where changing a cell would redraw every row shown.
        lines = super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        if not (cursor and self.cursor_type == "row" and row_index >= 0 and column_index == 0
                and self.show_cursor and lines):
            return lines
        first = lines[0]
        head, room, rest = Segment.divide(first, [self.MARK_AT, self.MARK_AT + 1, Segment.get_line_length(first)])
        if "".join(segment.text for segment in room) != " ":
            return lines
        return [[*head, Segment(CURSOR_MARK, room[0].style), *rest], *lines[1:]]
