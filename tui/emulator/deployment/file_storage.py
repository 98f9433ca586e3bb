"""File storage: `_storage` documents plus their bytes, kept in SQLite so snapshots cover them."""

from __future__ import annotations

import base64
import hashlib
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from tui.archive.ids import new_id
from tui.archive.writer import storage_index_line
from tui.emulator.deployment.database import Transaction
from tui.emulator.deployment.tables import STORAGE_TABLE, ensure_active, find_active

READ_CHUNK = 1 << 20


def put_blob(txn: Transaction, internal_id: str, chunks: Iterable[bytes], size: int) -> tuple[int, str]:
    """Stream bytes into a blob row of a known size; returns (size, base64 sha256)."""
    cur = txn.execute(
        "INSERT INTO blobs(internal_id, size, data) VALUES (?, ?, zeroblob(?))", (internal_id, size, size)
    )
    digest = hashlib.sha256()
    written = 0
    assert cur.lastrowid is not None  # an INSERT's row
    with txn.conn.blobopen("blobs", "data", cur.lastrowid) as blob:
        for chunk in chunks:
            if written + len(chunk) > size:
                raise ValueError("more bytes than announced")
            blob.write(chunk)
            digest.update(chunk)
            written += len(chunk)
    if written != size:
        raise ValueError(f"expected {size} bytes, received {written}")
    return size, base64.b64encode(digest.digest()).decode("ascii")


def store_file(
    txn: Transaction, component: str, chunks: Iterable[bytes], size: int, content_type: str | None, *, now_s: float
) -> dict[str, Any]:
    """A new file: bytes, then its `_storage` document. Returns the metadata."""
    tablet = ensure_active(txn, component, STORAGE_TABLE)
    internal_id = str(uuid.uuid4())
    size, sha = put_blob(txn, internal_id, chunks, size)
    meta = {
        "_id": new_id(tablet.number, now_s),
        "_creationTime": txn.ts_ms,
        "sha256": sha,
        "size": size,
        "contentType": content_type,
        "internalId": internal_id,
    }
    txn.execute(
        "INSERT INTO documents(tablet, id, creation_time, body, blob) VALUES (?, ?, ?, ?, ?)",
        (tablet.tablet, meta["_id"], meta["_creationTime"], storage_index_line(meta), internal_id),
    )
    return meta


def file_metadata(conn: sqlite3.Connection, component: str, storage_id: str) -> dict[str, Any] | None:
    tablet = find_active(conn, component, STORAGE_TABLE)
    if tablet is None:
        return None
    row = conn.execute("SELECT body FROM documents WHERE tablet = ? AND id = ?", (tablet.tablet, storage_id)).fetchone()
    return orjson.loads(row[0]) if row else None


def delete_file(txn: Transaction, component: str, storage_id: str) -> bool:
    """Removes the `_storage` row; the bytes go with the next purge (an open snapshot still sees them)."""
    tablet = find_active(txn.conn, component, STORAGE_TABLE)
    if tablet is None:
        return False
    cur = txn.execute("DELETE FROM documents WHERE tablet = ? AND id = ?", (tablet.tablet, storage_id))
    return cur.rowcount > 0


def read_blob(conn: sqlite3.Connection, internal_id: str) -> Iterator[bytes]:
    """Stream a file's bytes through `conn` (use a snapshot connection for consistency)."""
    row = conn.execute("SELECT rowid FROM blobs WHERE internal_id = ?", (internal_id,)).fetchone()
    if row is None:
        raise FileNotFoundError(internal_id)
    with conn.blobopen("blobs", "data", row[0], readonly=True) as blob:
        while True:
            chunk = blob.read(READ_CHUNK)
            if not chunk:
                return
            yield chunk
