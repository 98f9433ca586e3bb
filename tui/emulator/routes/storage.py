"""File storage over HTTP: upload (spooled to a temp file, never held in memory) and download.

Convex uploads go to a signed one-off URL from `generateUploadUrl`; the emulator has no user functions to
mint one, so its upload route takes the admin key instead. Downloads need no key, as in Convex: a file
URL is a capability (its id is unguessable).
"""

from __future__ import annotations

import tempfile
from collections.abc import Generator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from tui.archive.ids import is_valid_id
from tui.emulator.deployment import backend_state
from tui.emulator.deployment import file_storage
from tui.emulator.deployment.auth import WRITE_DATA
from tui.emulator.deployment.database import Database
from tui.emulator.errors import not_found
from tui.emulator.routes.common import admin, deployment_of, in_thread, json_response
from tui.emulator.deployment.tables import STORAGE_TABLE, find_active

SPOOL_CHUNK = 1 << 20  # request chunks are gathered to 1 MiB before each (threaded) disk write
READ_CHUNK = 1 << 20


async def upload(request: Request) -> Response:
    admin(request, WRITE_DATA)
    deployment = deployment_of(request)
    await in_thread(backend_state.require_running, deployment)
    content_type = request.headers.get("content-type")
    # The temp file lives in the deployment's private (0700) folder and vanishes when closed.
    with tempfile.TemporaryFile(dir=deployment.folder) as spool:
        pending: list[bytes] = []
        pending_size = 0
        async for chunk in request.stream():
            pending.append(chunk)
            pending_size += len(chunk)
            if pending_size >= SPOOL_CHUNK:
                await in_thread(spool.write, b"".join(pending))
                pending, pending_size = [], 0
        if pending:
            await in_thread(spool.write, b"".join(pending))
        meta = await in_thread(_store_spooled, deployment, spool, content_type)
    return json_response({"storageId": meta["_id"]})


def _store_spooled(deployment, spool, content_type: str | None) -> dict[str, Any]:
    size = spool.tell()
    spool.seek(0)
    chunks = iter(lambda: spool.read(READ_CHUNK), b"")
    with deployment.db.write() as txn:
        return file_storage.store_file(txn, "", chunks, size, content_type, now_s=deployment.clock.now())


def _find_file(conn, key: str) -> dict[str, Any] | None:
    """By `_storage` id, or by the internal UUID that Convex's file URLs carry."""
    if is_valid_id(key):
        return file_storage.file_metadata(conn, "", key)
    tablet = find_active(conn, "", STORAGE_TABLE)
    if tablet is None:
        return None
    row = conn.execute("SELECT id FROM documents WHERE tablet = ? AND blob = ?", (tablet.tablet, key)).fetchone()
    return file_storage.file_metadata(conn, "", row[0]) if row else None


def _file_stream(db: Database, key: str) -> Generator[Any, None, None]:
    """Yields the metadata (or None), then the bytes, all read from one snapshot."""
    with db.snapshot() as (conn, _ts):
        meta = _find_file(conn, key)
        yield meta
        if meta is not None:
            yield from file_storage.read_blob(conn, meta["internalId"])


async def download(request: Request) -> Response:
    await in_thread(backend_state.require_running, deployment_of(request))
    stream = _file_stream(deployment_of(request).db, request.path_params["storage_id"])
    meta = await in_thread(next, stream)
    if meta is None:
        stream.close()
        raise not_found("FileNotFound", "No file with this storage id.")
    headers = {
        "Content-Length": str(meta["size"]),
        # Set directly: `media_type` would add "; charset=utf-8" to text types, changing what was stored.
        "Content-Type": meta.get("contentType") or "application/octet-stream",
        "Cache-Control": "private, max-age=2592000",
    }
    return StreamingResponse(stream, headers=headers)


def routes() -> list[Route]:
    return [
        Route("/api/storage/upload", upload, methods=["POST"]),
        Route("/api/storage/{storage_id}", download, methods=["GET"]),
    ]
