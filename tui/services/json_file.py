"""A JSON file of this app's own (a checklist, a saved set of env vars, a store manifest, backup counts):
written whole or not at all, readable only by its owner, and read back as None when missing or damaged."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from tui.services.downloads.part_file import fsync_folder


def write_json_atomically(path: Path, body: Any, *, indent: int | None = 2, mode: int = 0o600) -> None:
    """Temporary name, fsync, rename, fsync of the folder: the file is either old or new, never half."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(3)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(body, handle, indent=indent, sort_keys=True, default=str)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
