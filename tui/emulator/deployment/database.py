"""One deployment's storage: SQLite in WAL mode, with commit timestamps and consistent snapshots.

Why this shape:
- Every user table is a *tablet* (Convex's word); a table name points at its active tablet. An import
  fills hidden tablets and swaps them in with one small transaction, so readers never see half an
  import and a killed import leaves nothing behind but hidden tablets, which are dropped on restart.
- Document bodies are stored as their export-JSON line, so an export streams them without re-encoding.
- File blobs live in SQLite too: a read transaction then snapshots data *and* files together, which is
  what makes an export consistent while writes (and file deletions) continue.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tui.emulator.clock import Clock
from tui.emulator.thread_connections import ThreadConnections

PAGE_SIZE = 16384  # bytes, for new database files
WAL_CHECKPOINT_BYTES = 64 * 1024 * 1024

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tablets (
    tablet INTEGER PRIMARY KEY AUTOINCREMENT,
    component TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    number INTEGER NOT NULL,
    state TEXT NOT NULL,            -- 'active', 'hidden' (being filled by an import) or 'dropped'
    import_id TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS tablets_active ON tablets(component, name) WHERE state = 'active';
CREATE TABLE IF NOT EXISTS documents (
    tablet INTEGER NOT NULL,
    id TEXT NOT NULL,
    creation_time REAL NOT NULL,
    body BLOB NOT NULL,             -- export-JSON line, newline included
    blob TEXT,                      -- for _storage documents: the internal id of the file's bytes
    PRIMARY KEY (tablet, id)
);
CREATE INDEX IF NOT EXISTS documents_by_creation ON documents(tablet, creation_time);
CREATE INDEX IF NOT EXISTS documents_by_blob ON documents(blob) WHERE blob IS NOT NULL;
CREATE TABLE IF NOT EXISTS blobs (
    internal_id TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS system_documents (
    table_name TEXT NOT NULL,       -- _exports, _snapshot_imports, _environment_variables, ...
    id TEXT PRIMARY KEY,
    creation_time REAL NOT NULL,
    body TEXT NOT NULL              -- export JSON of the document without _id/_creationTime
);
CREATE INDEX IF NOT EXISTS system_documents_by_table ON system_documents(table_name, creation_time);
"""

CommitListener = Callable[[int], None]


class Transaction:
    """A write transaction: `conn` for statements, `ts` the commit timestamp (ns) it will carry."""

    def __init__(self, conn: sqlite3.Connection, ts: int):
        self.conn = conn
        self.ts = ts

    @property
    def ts_ms(self) -> float:
        """`_creationTime` for documents written in this transaction (float milliseconds)."""
        return self.ts / 1_000_000

    def execute(self, sql: str, params: tuple | list | dict = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)


class Database:
    def __init__(self, path: Path, clock: Clock):
        self.path = Path(path)
        self.clock = clock
        self._connections = ThreadConnections(self._connect)
        self._write_lock = threading.RLock()
        self._listeners: list[CommitListener] = []
        # Environment variable values live here too: the file (and SQLite's -wal/-shm, which copy
        # its mode) must be private before SQLite creates it.
        if not self.path.exists():
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        conn = self.connection()
        conn.executescript(SCHEMA)
        row = conn.execute("SELECT value FROM meta WHERE key = 'ts'").fetchone()
        self._last_ts = int(row[0]) if row else 0

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=60)
        # Documents are stored whole, often a few hundred bytes to kilobytes: larger pages mean fewer
        # overflow pages and B-tree splits on bulk imports. Takes effect only when the file is new.
        conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL survives a killed process
        conn.execute("PRAGMA busy_timeout=60000")
        # About 64 MB of WAL between checkpoints: bulk imports checkpoint (and fsync) less often.
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        conn.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_BYTES // int(page_size)}")
        conn.execute("PRAGMA cache_size=-8000")  # 8 MB per connection, bounded
        return conn

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, for reads outside a transaction and for writes inside `write()`."""
        return self._connections.get()

    def add_commit_listener(self, listener: CommitListener) -> None:
        self._listeners.append(listener)

    @contextmanager
    def write(self) -> Iterator[Transaction]:
        """Serialised write transaction; listeners hear of the commit after it is durable."""
        conn = self.connection()
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                # Under SQLite's write lock, so timestamps only grow whoever else writes this file.
                row = conn.execute("SELECT value FROM meta WHERE key = 'ts'").fetchone()
                stored = int(row[0]) if row else 0
                # Steps of 1 µs keep `_creationTime` (float ms) strictly increasing even under a stopped clock.
                ts = max(self.clock.now_ns(), stored + 1000, self._last_ts + 1000)
                txn = Transaction(conn, ts)
                yield txn
                conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('ts', ?)", (str(ts),))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._last_ts = ts
        for listener in list(self._listeners):
            listener(ts)

    @contextmanager
    def snapshot(self) -> Iterator[tuple[sqlite3.Connection, int]]:
        """A private read transaction: everything read through it is as of one commit, returned as ts."""
        conn = self._connect()
        try:
            conn.execute("BEGIN")
            row = conn.execute("SELECT value FROM meta WHERE key = 'ts'").fetchone()
            yield conn, int(row[0]) if row else 0
            conn.execute("ROLLBACK")
        finally:
            conn.close()

    def close(self) -> None:
        self._connections.close()
