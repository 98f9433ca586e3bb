"""Which import source reads which upload format (the `format` of an import request)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tui.emulator.imports.failures import failure
from tui.emulator.imports.single_table import CsvSource, JsonArraySource, JsonLinesSource
from tui.emulator.imports.source import Source
from tui.emulator.imports.zip_source import ZipSource


def open_source(path: Path, fmt: dict[str, Any], component_path: str | None) -> Source:
    base = component_path or ""
    kind = fmt["format"]
    if kind == "zip":
        return ZipSource(path, base)
    if kind == "jsonl":
        return JsonLinesSource(path, fmt["table"], base)
    if kind == "json_array":
        return JsonArraySource(path, fmt["table"], base)
    if kind == "csv":
        return CsvSource(path, fmt["table"], base)
    raise failure("ImportFailed", f"unknown import format {kind!r}")
