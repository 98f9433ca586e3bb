"""One HTTP download of a snapshot export (`GET /api/export/zip/{id or ts}`), as a stream.

This is the transport only: it asks for the bytes from `offset` on (HTTP Range when resuming), reports what
the server answered (status, where the body starts, the ZIP's total size, the file name it suggests) and
hands out the body chunk by chunk, read on a thread of its own (`ThreadedBody`).
Writing to disk, resuming after a drop and verifying belong to the download service.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

import httpx

from tui.api.errors import InvalidRequest, ProtocolError
from tui.api.transport.http import HttpSession, Retry
from tui.api.transport.threaded_body import ThreadedBody

_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)", re.IGNORECASE)
_UNSATISFIED_RANGE = re.compile(r"bytes\s+\*/(\d+)", re.IGNORECASE)
_FILENAME_STAR = re.compile(r"filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)")
_FILENAME = re.compile(r"filename\s*=\s*(\"[^\"]*\"|[^;]+)")


@dataclass
class ExportDownload:
    """An open download: read it once with `pour()`, inside the `download_export` context."""

    status: int  # 200 (whole file) or 206 (from `offset`)
    offset: int  # the file position of the first body byte (0 when the server ignored the Range)
    total_size: int | None  # the ZIP's full size, when the server said
    filename: str | None  # from Content-Disposition, reduced to a plain file name
    content_length: int | None  # bytes in this body
    _response: httpx.Response = field(repr=False)
    _body: ThreadedBody = field(repr=False)

    @property
    def resumed(self) -> bool:
        return self.status == 206

    @property
    def accepts_ranges(self) -> bool:
        """The server said it serves byte ranges (`Accept-Ranges: bytes`); Convex's handler does not."""
        return self.status == 206 or "bytes" in self._response.headers.get("accept-ranges", "").lower()

    async def pour(self, sink: Callable[[bytes], None], chunk_size: int = 1 << 20) -> None:
        """The whole body into `sink`, in pieces of at least `chunk_size` bytes (the last may be shorter), on
        the reading thread, so the bytes never pass through the event loop; `sink` may block. A dropped
        connection raises `NetworkError` after `sink` had the bytes that arrived."""
        await self._body.pour(sink, chunk_size)


def filename_from_disposition(header: str | None) -> str | None:
    """The file name in a Content-Disposition header, as a bare name (no folders, no `..`); else None.

    Convex sends it unquoted (`attachment; filename=snapshot_<name>_<ts>.zip`); quoted and RFC 5987
    (`filename*=UTF-8''...`) forms are accepted too."""
    if not header:
        return None
    match = _FILENAME_STAR.search(header)
    if match:
        name = unquote(match.group(1).strip())
    else:
        match = _FILENAME.search(header)
        if not match:
            return None
        name = match.group(1).strip().strip('"')
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name or name in (".", "..") or any(ord(c) < 32 for c in name):
        return None
    return name


def _int_header(response: httpx.Response, name: str) -> int | None:
    value = response.headers.get(name)
    return int(value) if value and value.strip().isdigit() else None


@asynccontextmanager
async def open_export_download(
    session: HttpSession, id_or_ts: str | int, *, offset: int = 0
) -> AsyncIterator[ExportDownload]:
    """Start the download of export `id_or_ts` (an `_exports` id or a completed export's `start_ts`)."""
    if offset < 0:
        raise ValueError("offset must be >= 0")
    headers = {"Accept-Encoding": "identity"}  # byte offsets must mean offsets in the ZIP itself
    if offset:
        headers["Range"] = f"bytes={offset}-"
    path = f"/api/export/zip/{quote(str(id_or_ts), safe='')}"
    try:
        async with session.stream("GET", path, headers=headers, retry=Retry.IDEMPOTENT) as response:
            body = ThreadedBody(response, target=session.target, secrets=session.secrets)
            try:
                yield _describe(session, response, offset, body)
            finally:
                await body.aclose()
    except InvalidRequest as error:
        if error.status == 416:  # the offset is at or past the end: nothing left to fetch
            raise InvalidRequest(
                f"The download of that backup cannot resume at byte {offset}: the file is shorter. Start it again.",
                code="RangeNotSatisfiable",
                status=416,
                detail=error.detail,
            ) from None
        raise


def _describe(session: HttpSession, response: httpx.Response, offset: int, body: ThreadedBody) -> ExportDownload:
    length = _int_header(response, "content-length")
    disposition = filename_from_disposition(response.headers.get("content-disposition"))
    if response.status_code == 206:
        match = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
        if not match or int(match.group(1)) != offset:
            raise ProtocolError(
                f"{session.target} answered a resumed download with the wrong byte range "
                f"({response.headers.get('content-range')!r} for offset {offset}).",
                status=206,
            )
        total = None if match.group(3) == "*" else int(match.group(3))
        return ExportDownload(206, offset, total, disposition, length, response, body)
    # 200: the whole file, whether or not a Range was asked for.
    return ExportDownload(response.status_code, 0, length, disposition, length, response, body)
