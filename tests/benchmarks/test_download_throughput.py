"""Benchmark: downloading a ~1 GB backup with the download manager (streamed to a .part file, every entry's
CRC and every stored file's sha256 checked, fsync, rename, sha256 sidecar) next to `curl -o` of the same
URL, in the same run, alternating, after a warm-up; medians of the rounds. Peak memory is the downloader
process's VmHWM. The CPU columns say where the time went: the client's CPU (for the download manager
including the interpreter's start-up) and the sandbox's CPU serving the same download. On a 2-core machine
the two share the cores, so the ratio to curl moves with how much the server costs.

Run: .venv/bin/python -m pytest -m benchmark tests/benchmarks/test_download_throughput.py -s

The backup is what a production backup with file storage looks like: the demo tables (`write_demo_zip`,
imported into a sandbox) plus BENCH_FILES_MB (default 1000) of stored files, exported with storage. A
second, documents-only export (BENCH_DOC_MESSAGES demo messages, default 1,000,000; 0 skips it) shows the
rate when nearly every byte must be inflated to be checked.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from measure import print_table
from sandbox_process import SandboxProcess, wait_for

from tui.emulator.demo_data import write_demo_zip

pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(3600)]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
FILES_MB = int(os.environ.get("BENCH_FILES_MB", "1000"))
DOC_MESSAGES = int(os.environ.get("BENCH_DOC_MESSAGES", "1000000"))
FILE_MB = 50
REPO = Path(__file__).resolve().parents[2]

# The downloader, alone in its own process so that its peak memory is its own.
CHILD = """
import asyncio, json, sys, time
from pathlib import Path
from tui.api.deployment_client import DeploymentClient
from tui.services.downloads import download_export

async def main(url, key, export_id, folder):
    async with DeploymentClient(url, key) as client:
        started = time.perf_counter()
        result = await download_export(client, export_id, folder=Path(folder))
        seconds = time.perf_counter() - started
    # VmHWM, not ru_maxrss: the latter keeps the parent's high-water mark across fork and exec.
    status = Path("/proc/self/status").read_text().splitlines()
    peak_kb = int(next(line for line in status if line.startswith("VmHWM:")).split()[1])
    print(json.dumps({"seconds": seconds, "size": result.size, "sha256": result.sha256, "peak_mb": peak_kb / 1024,
                      "streamed": result.integrity.streamed, "files": result.integrity.storage_files}))

asyncio.run(main(*sys.argv[1:5]))
"""


def _import(client: httpx.Client, path: Path) -> None:
    token = client.post("/api/import/start_upload").json()["uploadToken"]
    parts = []
    with open(path, "rb") as handle:
        number = 1
        while chunk := handle.read(8 << 20):
            reply = client.post("/api/import/upload_part", params={"uploadToken": token, "partNumber": number},
                                content=chunk, headers={"Content-Type": "application/octet-stream"})
            reply.raise_for_status()
            parts.append(reply.json())
            number += 1
    body = {"import": {"format": "zip", "mode": "replaceAll"}, "uploadToken": token, "partTokens": parts}
    import_id = client.post("/api/import/finish_upload", json=body).json()["importId"]

    def state():
        reply = client.post("/api/query", json={"path": "_system/cli/queryImport", "args": {"importId": import_id},
                                                "format": "json"})
        return reply.json()["value"]["state"]

    parsed = wait_for(lambda: (s := state())["state"] in ("waiting_for_confirmation", "failed") and s, timeout=3000,
                      interval=0.2, message="import parsed")
    assert parsed["state"] == "waiting_for_confirmation", parsed
    client.post("/api/perform_import", json={"importId": import_id}).raise_for_status()
    final = wait_for(lambda: (s := state())["state"] in ("completed", "failed") and s, timeout=3000, interval=0.2,
                     message="import done")
    assert final["state"] == "completed", final


def _upload_files(client: httpx.Client, megabytes: int) -> None:
    left = megabytes
    while left > 0:
        size = min(FILE_MB, left)
        reply = client.post("/api/storage/upload", content=os.urandom(size << 20),
                            headers={"Content-Type": "application/octet-stream"})
        reply.raise_for_status()
        left -= size


def _export(client: httpx.Client, include_storage: bool) -> dict:
    client.post("/api/export/request/zip", params={"includeStorage": str(include_storage).lower()}).raise_for_status()

    def done():
        reply = client.post("/api/query", json={"path": "_system/cli/exports:getLatest", "args": {}, "format": "json"})
        value = reply.json()["value"]
        return value if value and value["state"] == "completed" else None

    return wait_for(done, timeout=3000, interval=0.5, message="export completed")


class CpuMeter:
    """CPU seconds (user + system) used meanwhile by this process's finished children and by the sandbox."""

    def __init__(self, sandbox_pid: int):
        self._stat = Path(f"/proc/{sandbox_pid}/stat")

    def __enter__(self) -> CpuMeter:
        self._children, self._sandbox = self._children_now(), self._sandbox_now()
        return self

    def __exit__(self, *exc) -> None:
        self.client = self._children_now() - self._children
        self.sandbox = self._sandbox_now() - self._sandbox

    @staticmethod
    def _children_now() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def _sandbox_now(self) -> float:
        fields = self._stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _curl(url: str, key: str, out: Path, meter: CpuMeter) -> float:
    os.sync()
    with meter:
        started = time.perf_counter()
        subprocess.run(["curl", "-sS", "--fail", "-o", str(out), "-H", f"Authorization: Convex {key}", url],
                       check=True)
        seconds = time.perf_counter() - started
    return seconds


def _ours(url: str, key: str, export_id: str, folder: Path, meter: CpuMeter) -> dict:
    os.sync()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with meter:
        out = subprocess.run([sys.executable, "-c", CHILD, url, key, export_id, str(folder)], capture_output=True,
                             text=True, env=env, cwd=REPO, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _measure(label: str, url: str, key: str, export: dict, work: Path,
             meter: CpuMeter) -> tuple[list[list[str]], float, float]:
    link = f"{url}/api/export/zip/{export['_id']}"
    size = int(export["size"])
    _curl(link, key, work / "warm.zip", meter)  # the server's file into the page cache
    (work / "warm.zip").unlink()
    curl_runs: list[tuple[float, float, float]] = []  # seconds, client CPU, sandbox CPU
    our_runs: list[tuple[float, float, float]] = []
    peaks = []
    expected = None
    for round_number in range(ROUNDS):
        curl_runs.append((_curl(link, key, work / "curl.zip", meter), meter.client, meter.sandbox))
        if expected is None:
            expected = subprocess.run(["sha256sum", str(work / "curl.zip")], capture_output=True, text=True,
                                      check=True).stdout.split()[0]
        (work / "curl.zip").unlink()
        folder = work / f"ours-{round_number}"
        result = _ours(url, key, export["_id"], folder, meter)
        assert result["size"] == size and result["sha256"] == expected and result["streamed"]
        our_runs.append((result["seconds"], meter.client, meter.sandbox))
        peaks.append(result["peak_mb"])
        shutil.rmtree(folder)
    mb = size / 1e6
    curl_s, curl_cpu, curl_sandbox = (statistics.median(v) for v in zip(*curl_runs))
    ours_s, ours_cpu, ours_sandbox = (statistics.median(v) for v in zip(*our_runs))
    ratio = curl_s / ours_s
    return [
        [label, "curl -o", f"{mb:,.0f}", f"{curl_s:.2f}", f"{mb / curl_s:,.0f}", "", f"{curl_cpu:.2f}",
         f"{curl_sandbox:.2f}", ""],
        [label, "download manager", f"{mb:,.0f}", f"{ours_s:.2f}", f"{mb / ours_s:,.0f}", f"{ratio:.0%}",
         f"{ours_cpu:.2f}", f"{ours_sandbox:.2f}", f"{max(peaks):.0f}"],
    ], ratio, max(peaks)


def test_download_throughput_against_curl(tmp_path):
    if shutil.which("curl") is None:
        pytest.skip("curl is needed for the baseline")
    sandbox = SandboxProcess(tmp_path / "sandbox").start()
    try:
        key = sandbox.admin_key
        headers = {"Authorization": f"Convex {key}", "Convex-Client": "bench-0.1.0"}
        rows, checks = [], []
        exports = []
        with httpx.Client(base_url=sandbox.url, headers=headers, timeout=600) as client:
            tables = tmp_path / "tables.zip"
            write_demo_zip(tables, users_count=5_000, channels_count=200, messages_count=200_000)
            _import(client, tables)
            _upload_files(client, FILES_MB)
            exports.append(("tables + files", _export(client, include_storage=True)))
            if DOC_MESSAGES:
                documents = tmp_path / "documents.zip"
                write_demo_zip(documents, users_count=20_000, channels_count=500, messages_count=DOC_MESSAGES)
                _import(client, documents)
                exports.append(("documents only", _export(client, include_storage=False)))
        sandbox.restart()  # measure downloads, not the server's chores after a large import
        meter = CpuMeter(sandbox.proc.pid)
        for label, export in exports:
            found, ratio, peak = _measure(label, sandbox.url, key, export, tmp_path, meter)
            rows += found
            checks.append((ratio if label == "tables + files" else None, peak))
        from tui.services.zip_stream_check import fast_zlib

        print_table(
            f"Download of a backup: the download manager (verified, fsynced, sidecar) next to curl -o, "
            f"median of {ROUNDS} rounds, {os.cpu_count()} CPUs, inflater {fast_zlib.__name__}, "
            f"load average {os.getloadavg()[0]:.1f}",
            ["backup", "client", "MB", "seconds", "MB/s", "of curl", "client CPU s", "sandbox CPU s", "peak MB"],
            rows,
        )
    finally:
        sandbox.stop()
    ratio, peak = checks[0]
    assert peak < 150, f"peak memory {peak:.0f} MB"
    assert all(p < 150 for _, p in checks)
    assert ratio >= 0.8, f"{ratio:.0%} of curl's throughput"
