"""`<file>.sha256` sidecars in sha256sum's format (`<hex>  <name>`), so `sha256sum -c` checks them too."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

_LINE = re.compile(r"^([0-9a-fA-F]{64}) [ *](.+)$")
READ_CHUNK = 1 << 20


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def write_sidecar(path: Path, hex_digest: str) -> Path:
    """Write `<path>.sha256` atomically (temporary name, fsync, rename); returns its path."""
    target = sidecar_path(path)
    temporary = target.with_name(f".{target.name}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(f"{hex_digest}  {path.name}\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    return target


def read_sidecar(path: Path) -> str | None:
    """The hex digest `<path>.sha256` records for `path`, or None when there is no usable sidecar."""
    try:
        text = sidecar_path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    for line in text.splitlines():
        match = _LINE.match(line.strip())
        if match and os.path.basename(match.group(2)) == path.name:
            return match.group(1).lower()
    return None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
