"""The CLI's multipart import upload, streaming a file from disk in parts: constant memory (one
part at a time), parts sent in order (local-disk storage appends them in arrival order), a UTF-8 BOM
stripped from the start of the first part, and fewer than 10 000 parts however large the file.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

DEFAULT_PART_SIZE = 5 * 1024 * 1024
MAX_PARTS = 9999
BOM = b"\xef\xbb\xbf"

# The import formats as the HTTP API names them, with the aliases people type and the file extensions
# the CLI maps.
FORMATS = {
    "zip": "zip",
    "csv": "csv",
    "jsonLines": "jsonLines",
    "jsonl": "jsonLines",
    "jsonArray": "jsonArray",
    "json": "jsonArray",
}
EXTENSION_FORMATS = {".zip": "zip", ".csv": "csv", ".jsonl": "jsonLines", ".json": "jsonArray"}
MODES = ("requireEmpty", "append", "replace", "replaceAll")

Progress = Callable[[int, int], Any]  # (bytes sent, total bytes)


class _Uploader(Protocol):
    async def start_upload(self) -> str: ...
    async def upload_part(self, upload_token: str, part_number: int, data: bytes) -> str: ...
    async def finish_upload(
        self,
        upload_token: str,
        part_tokens: list[str],
        *,
        format: str,
        mode: str,
        table: str | None,
        component_path: str | None,
    ) -> str: ...


def import_format(path: Path, format: str | None) -> str:
    """The API's format name for `path`: `format` if given (aliases allowed), else from the extension."""
    if format is not None:
        if format not in FORMATS:
            raise ValueError(f"unknown import format {format!r}; use one of zip, csv, jsonLines, jsonArray")
        return FORMATS[format]
    try:
        return EXTENSION_FORMATS[path.suffix.lower()]
    except KeyError:
        raise ValueError(f"cannot tell the import format of {path.name}; pass format=") from None


def part_size_for(size: int, requested: int = DEFAULT_PART_SIZE) -> int:
    """The CLI's rule: at least `requested`, enlarged so that the file needs fewer than 10 000 parts."""
    return max(requested, math.ceil(size / MAX_PARTS), 1)


async def upload_file(
    client: _Uploader,
    path: Path,
    *,
    format: str | None = None,
    mode: str = "requireEmpty",
    table: str | None = None,
    component_path: str | None = None,
    part_size: int = DEFAULT_PART_SIZE,
    progress: Progress | None = None,
) -> str:
    """Upload `path` and register the import; returns the new import's id (state `uploaded`)."""
    path = Path(path)
    fmt = import_format(path, format)
    if mode not in MODES:
        raise ValueError(f"unknown import mode {mode!r}; use one of {', '.join(MODES)}")
    if (fmt == "zip") != (table is None):
        raise ValueError("a table name is required for CSV/JSON imports and not allowed for ZIP imports")
    total = path.stat().st_size
    size = part_size_for(total, part_size)
    token = await client.start_upload()
    part_tokens: list[str] = []
    sent = 0
    with open(path, "rb") as handle:
        part_number = 0
        while True:
            raw = await asyncio.to_thread(handle.read, size)
            if not raw and part_number > 0:
                break
            data = raw[len(BOM) :] if part_number == 0 and raw.startswith(BOM) else raw
            part_number += 1
            part_tokens.append(await client.upload_part(token, part_number, data))
            sent += len(raw)
            if progress is not None:
                progress(sent, total)
            if len(raw) < size:
                break
    return await client.finish_upload(
        token, part_tokens, format=fmt, mode=mode, table=table, component_path=component_path
    )
