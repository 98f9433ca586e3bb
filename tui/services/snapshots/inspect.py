"""What is inside a snapshot ZIP on disk, cheaply (line counts and a few sample documents; no full check),
as a dict ready for `--json` and as lines for a person. Works on any snapshot ZIP, including the official
CLI's exports."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tui.archive.inspect import ArchiveSummary, inspect_archive, summary_to_dict
from tui.services.downloads.sidecar import read_sidecar
from tui.services.sizes import human_size


def inspect_file(path: str | os.PathLike[str], *, samples: int = 3) -> dict[str, Any]:
    """The summary (`summary_to_dict`'s shape) plus `sidecarSha256` and `snapshotTime` (ISO 8601, UTC).
    Raises `ArchiveError` for a file that is not a readable snapshot ZIP, `OSError` when it cannot be read."""
    path = Path(path)
    summary = inspect_archive(path, samples=samples)
    body = summary_to_dict(summary)
    body["sidecarSha256"] = read_sidecar(path)
    body["snapshotTime"] = _iso(summary.snapshot_ts)
    return body


def describe(summary: ArchiveSummary | dict[str, Any]) -> list[str]:
    """Lines for a terminal: the file, its snapshot time, then one line per table and the storage files."""
    body = summary if isinstance(summary, dict) else summary_to_dict(summary)
    lines = [f"{os.path.basename(body['path'])}  ({human_size(body['zipBytes'])})"]
    if body.get("deploymentName"):
        lines.append(f"  deployment:  {body['deploymentName']}")
    when = body.get("snapshotTime") or _iso(body.get("snapshotTs"))
    if when:
        lines.append(f"  snapshot:    {when}")
    lines.append(f"  documents:   {body['documents']:,} in {len(body['tables'])} tables")
    width = max([len(_label(t)) for t in body["tables"]] + [5])
    for table in body["tables"]:
        lines.append(f"    {_label(table):<{width}}  {table['documents']:>12,}  {human_size(table['bytes']):>10}")
    storage = body["storage"]
    if storage["files"] or storage["members"]:
        lines.append(
            f"  files:       {storage['files']:,} ({human_size(storage['bytes'])}), {storage['members']:,} in the ZIP"
        )
    else:
        lines.append("  files:       none (a tables-only backup)")
    if body.get("sidecarSha256"):
        lines.append(f"  sha256:      {body['sidecarSha256']} (from the sidecar, not re-checked)")
    return lines


def _label(table: dict[str, Any]) -> str:
    return f"{table['component']}/{table['name']}" if table["component"] else table["name"]


def _iso(ts_ns: int | None) -> str | None:
    if not ts_ns:
        return None
    return datetime.fromtimestamp(ts_ns / 1e9, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
