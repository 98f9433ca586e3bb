"""What a full restore does to each table's documents, said from the rescue step's diff of the backup against a
snapshot of the deployment now (tui/commands/README.md "Restore only what is broken"), so the wizard's review and the
headless summary say the same before anything is confirmed. When no diff was made, say so: the row totals are all
there is then."""

from __future__ import annotations

from collections.abc import Sequence

from tui.archive.snapshot_diff import TableCounts
from tui.services.restore.flow import is_storage

_COLUMN = 13  # fits "→ re-created" with a space before it; five columns stay within 80 characters
_NAME_MAX = 24
_DOES = "the restore:"  # the second header line's first column: what each count becomes


def compared_lines(tables: Sequence[TableCounts], target: str) -> list[str]:
    """A compact table: per table, documents changed / created / deleted since the backup and unchanged, with
    what the restore does to each. `_storage` is left out: the snapshot of now is taken without files."""
    rows = [t for t in tables if not is_storage(t.table)]
    width = min(max([len(_DOES), *(len(t.table) for t in rows)]), _NAME_MAX)
    # no leading spaces: a Static drops them, and the columns are aligned from the first one
    lines = [
        f"Documents since the backup, vs. a snapshot of {target} now:",
        f"{'table':<{width}}" + "".join(f"{h:>{_COLUMN}}" for h in ("changed", "created", "deleted", "unchanged")),
        f"{_DOES:<{width}}" + "".join(f"{h:>{_COLUMN}}" for h in ("→ reverted", "→ removed", "→ re-created", "→ kept")),
    ]
    for t in rows:
        name = t.table if len(t.table) <= width else t.table[: width - 1] + "…"
        lines.append(
            f"{name:<{width}}" + "".join(f"{n:>{_COLUMN},}" for n in (t.changed, t.created, t.deleted, t.unchanged))
        )
    if not rows:
        lines.append("(no tables)")
    elif len(rows) > 1:
        totals = [sum(getattr(t, k) for t in rows) for k in ("changed", "created", "deleted", "unchanged")]
        lines.append(f"{'total':<{width}}" + "".join(f"{n:>{_COLUMN},}" for n in totals))
    return lines


def not_compared_lines(target: str, reason: str) -> list[str]:
    return [f"Documents: not compared with {target} as it is now ({reason}); only the row totals are known."]
