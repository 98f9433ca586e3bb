"""The table mapping: names -> tablets and table numbers, per component."""

from __future__ import annotations

import sqlite3
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from tui.emulator.deployment.database import Database, Transaction

STORAGE_TABLE = "_storage"
STORAGE_TABLE_NUMBER = 540  # the default layout's `_storage` (physically `_file_storage`) table number
FIRST_USER_TABLE_NUMBER = 10001
# Numbers for the system tables the emulator keeps outside the tablet mapping; they only shape ids.
SYSTEM_TABLE_NUMBERS = {
    "_exports": 31,
    "_snapshot_imports": 32,
    "_environment_variables": 33,
    "_deployment_audit_log": 34,
    "_backend_state": 35,
}


@dataclass(frozen=True)
class Tablet:
    tablet: int
    component: str
    name: str
    number: int
    state: str

    @property
    def is_storage(self) -> bool:
        return self.name == STORAGE_TABLE


_COLUMNS = "tablet, component, name, number, state"


def _tablet(row: tuple) -> Tablet:
    return Tablet(*row)


def active_tablets(conn: sqlite3.Connection, component: str | None = None) -> list[Tablet]:
    """Active tablets (user tables and `_storage`), by component then table number."""
    if component is None:
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM tablets WHERE state = 'active' ORDER BY component, number"
        ).fetchall()
    else:
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM tablets WHERE state = 'active' AND component = ? ORDER BY number", (component,)
        ).fetchall()
    return [_tablet(r) for r in rows]


def find_active(conn: sqlite3.Connection, component: str, name: str) -> Tablet | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM tablets WHERE state = 'active' AND component = ? AND name = ?", (component, name)
    ).fetchone()
    return _tablet(row) if row else None


def find_active_by_number(conn: sqlite3.Connection, component: str, number: int) -> Tablet | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM tablets WHERE state = 'active' AND component = ? AND number = ?", (component, number)
    ).fetchone()
    return _tablet(row) if row else None


def components(conn: sqlite3.Connection) -> list[str]:
    """Component paths that have active tables; the root ('') always comes first."""
    rows = conn.execute("SELECT DISTINCT component FROM tablets WHERE state = 'active'").fetchall()
    return sorted({""} | {r[0] for r in rows}, key=lambda c: (c != "", c))


def next_table_number(conn: sqlite3.Connection, component: str, reserved: AbstractSet[int] = frozenset()) -> int:
    row = conn.execute(
        "SELECT MAX(number) FROM tablets WHERE component = ? AND state != 'dropped' AND name != ?",
        (component, STORAGE_TABLE),
    ).fetchone()
    number = max(FIRST_USER_TABLE_NUMBER, (row[0] or 0) + 1)
    while number in reserved:
        number += 1
    return number


def create_tablet(
    txn: Transaction,
    component: str,
    name: str,
    number: int | None = None,
    *,
    state: str = "active",
    import_id: str | None = None,
) -> Tablet:
    if number is None:
        number = STORAGE_TABLE_NUMBER if name == STORAGE_TABLE else next_table_number(txn.conn, component)
    cur = txn.execute(
        "INSERT INTO tablets(component, name, number, state, import_id) VALUES (?, ?, ?, ?, ?)",
        (component, name, number, state, import_id),
    )
    assert cur.lastrowid is not None  # an INSERT's row
    return Tablet(cur.lastrowid, component, name, number, state)


def ensure_active(txn: Transaction, component: str, name: str) -> Tablet:
    return find_active(txn.conn, component, name) or create_tablet(txn, component, name)


def count_documents(conn: sqlite3.Connection, tablet: int) -> int:
    return conn.execute("SELECT COUNT(*) FROM documents WHERE tablet = ?", (tablet,)).fetchone()[0]


def drop_tablet(txn: Transaction, tablet: int) -> None:
    """Instant: the tablet disappears from the mapping; its rows are purged later in small batches."""
    txn.execute("UPDATE tablets SET state = 'dropped', import_id = NULL WHERE tablet = ?", (tablet,))


def purge_dropped(db: Database, batch: int = 5000) -> int:
    """Delete rows of dropped tablets, then unreferenced file blobs; returns how many rows went."""
    removed = 0
    conn = db.connection()
    while True:
        dropped = [r[0] for r in conn.execute("SELECT tablet FROM tablets WHERE state = 'dropped'").fetchall()]
        if not dropped:
            break
        tablet = dropped[0]
        with db.write() as txn:
            cur = txn.execute(
                "DELETE FROM documents WHERE rowid IN (SELECT rowid FROM documents WHERE tablet = ? LIMIT ?)",
                (tablet, batch),
            )
            removed += cur.rowcount
            if cur.rowcount < batch:
                txn.execute("DELETE FROM tablets WHERE tablet = ?", (tablet,))
    with db.write() as txn:
        txn.execute("DELETE FROM blobs WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.blob = blobs.internal_id)")
    return removed
