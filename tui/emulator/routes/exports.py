"""Snapshot export routes: request, cancel, set expiration, download (whole files only, as Convex:
its handler ignores `Range` and never answers 206)."""

from __future__ import annotations

import os

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from tui.archive.layout import snapshot_filename
from tui.emulator.exports import state as exports
from tui.emulator.deployment.auth import CREATE_BACKUPS, DELETE_BACKUPS, DOWNLOAD_BACKUPS, IMPORT_BACKUPS
from tui.emulator.errors import bad_request, not_found
from tui.emulator.routes.common import admin, bool_param, deployment_of, empty_response, in_thread, json_body


class SnapshotFileResponse(FileResponse):
    """Starlette's file response, read in 1 MiB pieces instead of 64 KiB: each piece is a hop to a worker
    thread and back, and at 64 KiB serving a 1 GB backup cost the sandbox about 3 s of CPU (0.55 s now),
    CPU taken from the client downloading it on the same machine.

    Answered as Convex's `get_zip_export` answers: the whole file with Content-Length,
    Content-Disposition and Cache-Control only. No Accept-Ranges, ETag, Last-Modified or Content-Type, and
    a `Range` header is ignored, so a dropped download can only start over."""

    chunk_size = 1 << 20
    _NOT_SENT = ("accept-ranges", "etag", "last-modified", "content-type")
    _IGNORED = (b"range", b"if-range")

    def __init__(self, path, headers: dict[str, str]):
        super().__init__(path, headers=headers, stat_result=os.stat(path))
        for name in self._NOT_SENT:
            if name in self.headers:
                del self.headers[name]

    async def __call__(self, scope, receive, send) -> None:
        scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() not in self._IGNORED]}
        await super().__call__(scope, receive, send)


async def request_zip(request: Request) -> Response:
    admin(request, CREATE_BACKUPS)
    deployment = deployment_of(request)
    include_storage = bool_param(request, "includeStorage")
    component = request.query_params.get("component")
    await in_thread(exports.request, deployment.db, include_storage=include_storage, component=component)
    deployment.export_worker.notify()
    return empty_response()


async def cancel(request: Request) -> Response:
    admin(request, IMPORT_BACKUPS)  # sic: Convex checks ImportBackups here
    await in_thread(exports.cancel, deployment_of(request).db, request.path_params["snapshot_id"])
    return empty_response()


async def set_expiration(request: Request) -> Response:
    admin(request, DELETE_BACKUPS)
    body = await json_body(request)
    value = body.get("expirationTsNs") if isinstance(body, dict) else None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise bad_request("BadJsonBody", 'Expected {"expirationTsNs": <nanoseconds>}.')
    await in_thread(exports.set_expiration, deployment_of(request).db, request.path_params["snapshot_id"], value)
    return empty_response()


async def download(request: Request) -> Response:
    admin(request, DOWNLOAD_BACKUPS)
    deployment = deployment_of(request)
    key = request.path_params["key"]
    # The connection is per thread: look it up inside the worker thread that uses it.
    export = await in_thread(lambda: exports.find_for_download(deployment.db.connection(), key))
    path = deployment.export_worker.zip_path(export)
    if not path.exists():
        raise not_found("ExportNotFound", "The export's ZIP is no longer in storage.")
    name = snapshot_filename(deployment.name, export["start_ts"])
    return await in_thread(
        lambda: SnapshotFileResponse(
            path,
            headers={
                # Unquoted, as Convex sends it: the CLI takes everything after "filename=" as the name.
                "Content-Disposition": f"attachment; filename={name}",
                "Cache-Control": "private, max-age=2592000",
            },
        )
    )


def routes() -> list[Route]:
    return [
        Route("/api/export/request/zip", request_zip, methods=["POST"]),
        Route("/api/export/cancel/{snapshot_id}", cancel, methods=["POST"]),
        Route("/api/export/set_expiration/{snapshot_id}", set_expiration, methods=["POST"]),
        Route("/api/export/zip/{key}", download, methods=["GET", "HEAD"]),
    ]
