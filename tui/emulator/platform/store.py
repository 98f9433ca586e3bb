"""The platform's state in one SQLite file (`platform.sqlite3`, WAL): every multi-step change is one
transaction, so a kill at any moment leaves either the whole change or none of it.

Tables: teams (with their plan), members, team_members, access_tokens (sha256 only, never the token),
projects, deployments, cloud_backups, periodic_configs, periodic_fires, audit_log, meta.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tui.emulator.thread_connections import ThreadConnections

FILE = "platform.sqlite3"
PORT_META = "port"  # meta key: the platform's port as of its last start
DEFAULT_PORT = 3200

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS teams (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    plan TEXT NOT NULL,                 -- 'starter' | 'pro' (plans.py)
    creator INTEGER,
    default_region TEXT,
    referral_code TEXT NOT NULL,
    create_time INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS members (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    create_time INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS team_members (
    team_id INTEGER NOT NULL,
    member_id INTEGER NOT NULL,
    role TEXT NOT NULL,
    PRIMARY KEY (team_id, member_id)
);
CREATE TABLE IF NOT EXISTS access_tokens (
    id INTEGER PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,                 -- 'member' (a personal access token) | 'team'
    member_id INTEGER,
    team_id INTEGER,
    name TEXT NOT NULL,
    create_time INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS projects (
    id INTEGER PRIMARY KEY,
    team_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    slug TEXT NOT NULL,
    create_time INTEGER NOT NULL,
    UNIQUE (team_id, slug)
);
CREATE TABLE IF NOT EXISTS deployments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    project_id INTEGER NOT NULL,
    deployment_type TEXT NOT NULL,      -- 'prod' | 'dev' | 'preview'
    region TEXT NOT NULL,
    is_default INTEGER NOT NULL,
    reference TEXT NOT NULL,
    class TEXT NOT NULL,
    creator INTEGER,
    preview_identifier TEXT,
    create_time INTEGER NOT NULL,
    last_deploy_time INTEGER,
    expires_at INTEGER,
    UNIQUE (project_id, reference)
);
CREATE TABLE IF NOT EXISTS cloud_backups (
    id INTEGER PRIMARY KEY,
    deployment_id INTEGER NOT NULL,
    kind TEXT NOT NULL,                 -- 'manual' | 'periodic'
    state TEXT NOT NULL,                -- requested | inProgress | complete | failed | canceled
    snapshot_id TEXT,                   -- the source deployment's `_exports` _id, set with inProgress
    include_storage INTEGER NOT NULL,
    requested_time INTEGER NOT NULL,    -- ms
    completed_time INTEGER,
    expiration_time INTEGER NOT NULL,
    failure TEXT,                       -- why it failed (not part of the API's shape)
    deleted_time INTEGER,               -- deleted through the API: hidden, ZIP purged by retention
    purged INTEGER NOT NULL DEFAULT 0   -- 1 once its ZIP is gone (deleted or expired)
);
CREATE INDEX IF NOT EXISTS cloud_backups_by_deployment ON cloud_backups(deployment_id, id);
CREATE INDEX IF NOT EXISTS cloud_backups_by_state ON cloud_backups(state);
CREATE TABLE IF NOT EXISTS periodic_configs (
    deployment_id INTEGER PRIMARY KEY,
    cronspec TEXT NOT NULL,
    expiration_delta_secs INTEGER NOT NULL,
    include_storage INTEGER NOT NULL,
    next_run INTEGER NOT NULL,          -- ms, the next scheduled time not yet fired
    create_time INTEGER NOT NULL,
    update_time INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS periodic_fires (
    id INTEGER PRIMARY KEY,
    deployment_id INTEGER NOT NULL,
    cronspec TEXT NOT NULL,
    slot_time INTEGER NOT NULL,         -- the scheduled time (ms) this fire was for
    fired_time INTEGER NOT NULL,
    backup_id INTEGER,
    outcome TEXT NOT NULL,              -- 'started' or why no backup was made
    UNIQUE (deployment_id, slot_time)
);
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY,
    team_id INTEGER NOT NULL,
    actor TEXT NOT NULL,                -- JSON
    action TEXT NOT NULL,
    create_time INTEGER NOT NULL,
    metadata TEXT NOT NULL              -- JSON
);
CREATE INDEX IF NOT EXISTS audit_log_by_team ON audit_log(team_id, id);
"""

# First id of each kind: numeric ids look like Convex's (non-negative int64, not 1, 2, 3).
ID_BASES = {
    "teams": 1000,
    "members": 4000,
    "access_tokens": 7000,
    "projects": 20000,
    "deployments": 300000,
    "cloud_backups": 8000000,
    "periodic_fires": 0,
    "audit_log": 0,
}


class PlatformStore:
    """Thread-safe access: one connection per thread, writes serialised with BEGIN IMMEDIATE."""

    def __init__(self, root: Path):
        self.path = Path(root) / FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._connections = ThreadConnections(self._connect)
        self._write_lock = threading.RLock()
        if not self.path.exists():  # token hashes and the audit log: private from the start
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        self.conn().executescript(SCHEMA)

    def __repr__(self) -> str:
        return f"PlatformStore({str(self.path)!r})"

    def conn(self) -> sqlite3.Connection:
        return self._connections.get()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=60)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=60000")
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        conn = self.conn()
        with self._write_lock:
            if conn.in_transaction:  # nested: part of the outer transaction
                yield conn
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def one(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        return self.conn().execute(sql, params).fetchone()

    def all(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        return self.conn().execute(sql, params).fetchall()

    def close(self) -> None:
        self._connections.close()

    # -- meta -----------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.one("SELECT value FROM meta WHERE key = ?", (key,))
        return row[0] if row else None

    def set_meta(self, conn: sqlite3.Connection, key: str, value: str) -> None:
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))


def next_id(conn: sqlite3.Connection, table: str) -> int:
    """The next id of a table (called inside the write transaction that inserts it)."""
    row = conn.execute(f"SELECT MAX(id) FROM {table}").fetchone()
    return (row[0] if row[0] is not None else ID_BASES[table]) + 1


def insert(conn: sqlite3.Connection, table: str, values: dict[str, Any]) -> int:
    values = {"id": next_id(conn, table), **values}
    columns = ", ".join(values)
    marks = ", ".join(f":{k}" for k in values)
    conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)
    return values["id"]
