"""Benchmark: export and import of ~1 GB (1,000,000 documents) next to `zip -1` on the same files.

Run: .venv/bin/python -m pytest -m benchmark tests/benchmarks/test_export_import_throughput.py -s
BENCH_DOCS sets the large size (default 1,000,000); a size ten times smaller runs first so that peak
memory at both sizes can be compared (it must stay flat as the data grows).
"""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from measure import peak_rss_mb, print_table, zip_baseline
from sandbox_process import SandboxProcess, wait_for

from tui.emulator.demo_data import write_demo_zip

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
            reply = client.post("/api/import/upload_part", params={"uploadToken": token, "partNumber": number},
                                content=chunk, headers={"Content-Type": "application/octet-stream"})
            reply.raise_for_status()
            parts.append(reply.json())
            number += 1
    body = {"import": {"format": "zip", "mode": "replaceAll"}, "uploadToken": token, "partTokens": parts}
    import_id = client.post("/api/import/finish_upload", json=body).json()["importId"]
    uploaded = time.perf_counter()

    def state():
        reply = client.post("/api/query", json={"path": "_system/cli/queryImport", "args": {"importId": import_id},
                                                "format": "json"})
        return reply.json()["value"]["state"]

    current = wait_for(lambda: (s := state())["state"] in ("waiting_for_confirmation", "completed", "failed") and s,
                       timeout=3600, interval=0.2, message="import parsed")
    assert current["state"] == "waiting_for_confirmation", current
    parsed = time.perf_counter()
    client.post("/api/perform_import", json={"importId": import_id}).raise_for_status()
    final = wait_for(lambda: (s := state())["state"] in ("completed", "failed") and s, timeout=3600, interval=0.2,
                     message="import done")
    assert final["state"] == "completed", final
    done = time.perf_counter()
    return {"upload": uploaded - started, "parse": parsed - uploaded, "execute": done - parsed}


def _export(client: httpx.Client) -> None:
    client.post("/api/export/request/zip").raise_for_status()

    def latest():
        reply = client.post("/api/query", json={"path": "_system/cli/exports:getLatest", "args": {}, "format": "json"})
        return reply.json()["value"]

    wait_for(lambda: latest()["state"] == "completed", timeout=3600, interval=0.2, message="export done")


def _measure(tmp: Path, documents: int) -> list[str]:
    source = tmp / f"source-{documents}.zip"
    counts = write_demo_zip(source, users_count=1000, channels_count=100, messages_count=documents - 1100,
                            body_words=120)
    total_docs = sum(counts.values())
    with zipfile.ZipFile(source) as archive:
        json_bytes = sum(i.file_size for i in archive.infolist() if i.filename.endswith(".jsonl"))
        extracted = tmp / f"jsonl-{documents}"
        archive.extractall(extracted)
    zip_s = zip_baseline(extracted, tmp / "baseline.zip")
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
    assert import_peak < MEMORY_LIMIT_MB and export_peak < MEMORY_LIMIT_MB
    return [
        f"{total_docs:,}", f"{mb:,.0f}",
        f"{mb / zip_s:,.1f}",
        f"{total_docs / export_s:,.0f}", f"{mb / export_s:,.1f}", f"{(mb / export_s) / (mb / zip_s):.2f}", f"{export_peak:,.0f}",
        f"{total_docs / import_s:,.0f}", f"{mb / import_s:,.1f}", f"{(mb / import_s) / (mb / zip_s):.2f}", f"{import_peak:,.0f}",
        "/".join(f"{phases[k]:.0f}" for k in ("upload", "parse", "execute")),
    ]


def test_export_and_import_throughput(tmp_path):
    large = int(os.environ.get("BENCH_DOCS", "1000000"))
    rows = [_measure(tmp_path, size) for size in (large // 10, large)]
    print_table(
        "Export / import throughput vs `zip -1` on the same JSONL (targets: export >= 0.5x, import >= 0.33x, "
        f"peak < {MEMORY_LIMIT_MB} MB at every size)",
        ["docs", "JSON MB", "zip-1 MB/s", "exp docs/s", "exp MB/s", "exp/zip", "exp peak MB",
         "imp docs/s", "imp MB/s", "imp/zip", "imp peak MB", "imp up/parse/exec s"],
        rows,
    )
