"""Benchmark: sandbox import and export of 1,000,000 small documents (~300 bytes each, the size most Convex
documents are), next to baselines measured in the same run:

- import: the same rows written by plain `executemany` into the sandbox's own SQLite schema (a fresh
  `tui.emulator.deployment.database.Database` file, its pragmas and indexes; the JSONL read and each line's `_id` and
  `_creationTime` parsed with orjson, one transaction). Target: >= 0.5x that floor in documents/s, peak
  memory < 300 MB and flat (the same at a tenth of the size);
- export: `zip -1` of the same JSONL files. Target: >= 0.8x.

The documents are the demo data, rewritten with each table in `_id` order as in every Convex snapshot ZIP
(README: "exports list each table in `_id` order"), which is what an import brings into the sandbox.

Run: .venv/bin/python -m pytest -m benchmark tests/benchmarks/test_export_import_throughput.py -s
BENCH_DOCS sets the large size (default 1,000,000); a quarter and a half of it run first, to show whether
peak memory grows with the data.
"""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

import httpx
import orjson
import pytest
from measure import peak_rss_mb, print_table, zip_baseline
from sandbox_process import SandboxProcess, wait_for

from tui.emulator.clock import Clock
from tui.emulator.deployment.database import Database
from tui.emulator.demo.data import write_demo_zip

pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(7200)]
PART = 5 * 1024 * 1024  # the CLI's part size
MEMORY_LIMIT_MB = 300


def _import(client: httpx.Client, path: Path) -> dict[str, float]:
    """Upload, parse (until waiting_for_confirmation) and execute (until completed): seconds of each."""
    started = time.perf_counter()
    token = client.post("/api/import/start_upload").json()["uploadToken"]
    parts = []
    with open(path, "rb") as handle:
        number = 1
        while chunk := handle.read(PART):
            reply = client.post(
                "/api/import/upload_part",
                params={"uploadToken": token, "partNumber": number},
                content=chunk,
                headers={"Content-Type": "application/octet-stream"},
            )
            reply.raise_for_status()
            parts.append(reply.json())
            number += 1
    body = {"import": {"format": "zip", "mode": "replaceAll"}, "uploadToken": token, "partTokens": parts}
    import_id = client.post("/api/import/finish_upload", json=body).json()["importId"]
    uploaded = time.perf_counter()

    def state():
        reply = client.post(
            "/api/query", json={"path": "_system/cli/queryImport", "args": {"importId": import_id}, "format": "json"}
        )
        return reply.json()["value"]["state"]

    current = wait_for(
        lambda: (s := state())["state"] in ("waiting_for_confirmation", "completed", "failed") and s,
        timeout=3600,
        interval=0.2,
        message="import parsed",
    )
    assert current["state"] == "waiting_for_confirmation", current
    parsed = time.perf_counter()
    client.post("/api/perform_import", json={"importId": import_id}).raise_for_status()
    final = wait_for(
        lambda: (s := state())["state"] in ("completed", "failed") and s,
        timeout=3600,
        interval=0.2,
        message="import done",
    )
    assert final["state"] == "completed", final
    done = time.perf_counter()
    return {"upload": uploaded - started, "parse": parsed - uploaded, "execute": done - parsed}


def _export(client: httpx.Client) -> None:
    client.post("/api/export/request/zip").raise_for_status()

    def latest():
        reply = client.post("/api/query", json={"path": "_system/cli/exports:getLatest", "args": {}, "format": "json"})
        return reply.json()["value"]

    wait_for(lambda: latest()["state"] == "completed", timeout=3600, interval=0.2, message="export done")


def executemany_floor(folder: Path, database: Path) -> float:
    """Seconds to write every JSONL line under `folder` as a row of the sandbox's `documents` table with
    plain `executemany`, one tablet per table, one transaction."""
    db = Database(database, Clock())
    conn = db.connection()
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    tables = [path for path in sorted(folder.rglob("documents.jsonl")) if path.parent.name != "_tables"]
    for number, path in enumerate(tables, start=1):

        def rows(path=path):
            with open(path, "rb") as handle:
                for line in handle:
                    document = orjson.loads(line)
                    yield document["_id"], document["_creationTime"], line

        conn.executemany(f"INSERT INTO documents (tablet, id, creation_time, body) VALUES ({number}, ?, ?, ?)", rows())
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return seconds


def in_id_order(source: Path, out: Path) -> None:
    """`source` rewritten with every table's documents in `_id` order, the order Convex exports them in."""
    with (
        zipfile.ZipFile(source) as original,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as ordered,
    ):
        for info in original.infolist():
            data = original.read(info)
            table = info.filename.rsplit("/", 2)
            if info.filename.endswith("/documents.jsonl") and table[-2] != "_tables":
                lines = data.splitlines(keepends=True)
                del data
                lines.sort(key=lambda line: orjson.loads(line)["_id"])
                data = b"".join(lines)
                del lines
            ordered.writestr(info.filename, data)


def _measure(tmp: Path, documents: int) -> list[str]:
    source = tmp / f"source-{documents}.zip"
    demo = tmp / f"demo-{documents}.zip"
    counts = write_demo_zip(demo, users_count=1000, channels_count=100, messages_count=documents - 1100, body_words=0)
    in_id_order(demo, source)
    demo.unlink()
    total_docs = sum(counts.values())
    with zipfile.ZipFile(source) as archive:
        json_bytes = sum(i.file_size for i in archive.infolist() if i.filename.endswith(".jsonl"))
        extracted = tmp / f"jsonl-{documents}"
        archive.extractall(extracted)
    zip_s = zip_baseline(extracted, tmp / "baseline.zip")
    floor_s = executemany_floor(extracted, tmp / f"floor-{documents}.sqlite3")
    mb = json_bytes / 1e6

    sandbox = SandboxProcess(tmp / f"sandbox-{documents}").start()
    try:
        with sandbox.client() as client:
            phases = _import(client, source)
            import_s = sum(phases.values())
        import_peak = peak_rss_mb(sandbox.proc.pid)
        sandbox.restart()  # a fresh process, so the export's peak memory is its own
        with sandbox.client() as client:
            start = time.perf_counter()
            _export(client)
            export_s = time.perf_counter() - start
        export_peak = peak_rss_mb(sandbox.proc.pid)
    finally:
        sandbox.stop()
    return (
        [
            f"{total_docs:,}",
            f"{json_bytes / total_docs:,.0f}",
            f"{mb:,.0f}",
            f"{total_docs / floor_s:,.0f}",
            f"{total_docs / import_s:,.0f}",
            f"{floor_s / import_s:.2f}x",
            f"{import_peak:,.0f}",
            "/".join(f"{phases[k]:.0f}" for k in ("upload", "parse", "execute")),
            f"{mb / zip_s:,.1f}",
            f"{mb / export_s:,.1f}",
            f"{zip_s / export_s:.2f}x",
            f"{export_peak:,.0f}",
        ],
        floor_s / import_s,
        zip_s / export_s,
        import_peak,
        export_peak,
    )


def test_export_and_import_throughput(tmp_path):
    large = int(os.environ.get("BENCH_DOCS", "1000000"))
    measured = [_measure(tmp_path, size) for size in (large // 4, large // 2, large)]
    print_table(
        "Sandbox import next to plain executemany into its SQLite schema (target >= 0.5x), export next to "
        f"`zip -1` of the same JSONL (target >= 0.8x); peak < {MEMORY_LIMIT_MB} MB and flat",
        [
            "docs",
            "B/doc",
            "JSON MB",
            "floor docs/s",
            "imp docs/s",
            "imp/floor",
            "imp peak MB",
            "imp up/parse/exec s",
            "zip-1 MB/s",
            "exp MB/s",
            "exp/zip",
            "exp peak MB",
        ],
        [row for row, *_ in measured],
    )
    _, import_ratio, export_ratio, import_peak, export_peak = measured[-1]
    small_import_peak, small_export_peak = measured[0][3], measured[0][4]
    assert import_peak < MEMORY_LIMIT_MB and export_peak < MEMORY_LIMIT_MB
    # Flat: at four times the documents, at most 15% more (a bounded cache fills early, then stays full).
    assert import_peak < small_import_peak * 1.15 and export_peak < small_export_peak * 1.15, "peak memory grows"
    assert import_ratio >= 0.5 and export_ratio >= 0.8
