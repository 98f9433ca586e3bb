"""`ThreadConnections`: one SQLite connection per thread, all closed together. The deployment's database
(tui/emulator/deployment/database.py) and the platform's store (tui/emulator/platform/store.py) each keep
one: every worker thread reads and writes through a connection of its own, and closing the store must
close the connections of every thread that used it."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable


class ThreadConnections:
    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._connect = connect
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def get(self) -> sqlite3.Connection:
        """This thread's connection, opened on its first use."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._lock:
                self._opened.append(conn)
        return conn

    def close(self) -> None:
        """Closes every thread's connection; a thread that asks again afterwards opens a new one."""
        with self._lock:
            for conn in self._opened:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._opened.clear()
        self._local = threading.local()
