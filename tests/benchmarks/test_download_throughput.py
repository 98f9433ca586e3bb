"""Benchmark: downloading a backup with files, next to `curl -o` of the same URL in the same run.

A Convex Cloud download crosses a real network, so the targets are measured with loopback capped by `tc`
(a token bucket on `lo`, set up and removed here; skipped, saying why, where tc is refused), where the
client's speed is what users feel:

- the download manager (streamed into a .part file, every entry's CRC and every stored file's sha256
  checked, fsync, rename, sha256 sidecar) on a ~1 GB backup: >= 0.98x curl at 1 Gbit/s, >= 0.9x at 2.5 Gbit/s;
- the whole `convex-backups download` command, start-up included, on a ~500 MB backup at 1 Gbit/s: >= 0.95x;
- peak memory of the downloading process < 100 MB;
- unshaped: throughput and client CPU seconds per GB, reported next to curl's (the goal: <= 2x curl's CPU).

Shaping `lo` slows every other process's loopback traffic on this machine while it is on: each shaped run
is one download, and the qdisc is removed in a `finally`. One round each (BENCH_ROUNDS for more, then each
row is the median of its rounds): the machine is shared, the same-run baseline is what counts.

Run: .venv/bin/python -m pytest -m benchmark tests/benchmarks/test_download_throughput.py -s
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from measure import CpuMeter, print_table

sys.path.insert(0, str(Path(__file__).parent.parent / "services"))
from cloud_world import PRO_PROD, World  # noqa: E402

pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(3600)]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "1"))
LARGE_MB = int(os.environ.get("BENCH_FILES_MB", "1000"))
FILE_MB = 50
REPO = Path(__file__).resolve().parents[2]
CAPS = {"1 Gbit/s": "1000mbit", "2.5 Gbit/s": "2500mbit"}
TARGETS = {"1 Gbit/s": 0.98, "2.5 Gbit/s": 0.9}

# The downloader, alone in its own process so that its peak memory is its own.
CHILD = """
import asyncio, json, sys, time
from pathlib import Path
from tui.api.deployment.client import DeploymentClient
from tui.services.downloads.downloader import download_export

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


@contextmanager
def shaped(rate: str | None):
    """Loopback capped at `rate` (tc's words, "1000mbit") while inside; nothing when None."""
    if rate is None:
        yield
        return
    add = ["tc", "qdisc", "add", "dev", "lo", "root", "tbf", "rate", rate, "burst", "4mb", "latency", "100ms"]
    try:
        subprocess.run(add, check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"loopback cannot be shaped here ({getattr(exc, 'stderr', '') or exc}); run as root with tc")
    try:
        yield
    finally:
        subprocess.run(["tc", "qdisc", "del", "dev", "lo", "root"], capture_output=True)


def _upload_files(client, megabytes: int) -> None:
    left = megabytes
    while left > 0:
        size = min(FILE_MB, left)
        reply = client.post(
            "/api/storage/upload", content=os.urandom(size << 20), headers={"Content-Type": "application/octet-stream"}
        )
        reply.raise_for_status()
        left -= size


def _curl(url: str, key: str, out: Path, meter: CpuMeter) -> float:
    os.sync()
    with meter:
        started = time.perf_counter()
        subprocess.run(["curl", "-sS", "--fail", "-o", str(out), "-H", f"Authorization: Convex {key}", url], check=True)
        seconds = time.perf_counter() - started
    out.unlink()
    return seconds


def _library(url: str, key: str, export_id: str, folder: Path, meter: CpuMeter) -> dict:
    os.sync()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with meter:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, url, key, export_id, str(folder)],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
            check=True,
        ).stdout
    shutil.rmtree(folder)
    return json.loads(out.strip().splitlines()[-1])


def _command(world: World, home: Path, backup_id: str, folder: Path, meter: CpuMeter) -> tuple[float, float]:
    """Seconds of the whole `convex-backups download` process, and its peak memory (MB). Its modules' bytecode
    is compiled first, as an installed app's is (pip compiles it): with PYTHONDONTWRITEBYTECODE set, as on
    some CI machines, every start would compile them again."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "tui")], check=True)
    os.sync()
    env = {**os.environ, **world.environ(home), "PYTHONPATH": str(REPO)}
    with meter:
        started = time.perf_counter()
        done = subprocess.run(
            [
                "/usr/bin/time",
                "-f",
                "peak-kb %M",
                sys.executable,
                "-m",
                "tui",
                "download",
                backup_id,
                "--deployment",
                PRO_PROD,
                "--to",
                str(folder),
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
        )
        seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    peak_kb = int(done.stderr.rsplit("peak-kb", 1)[1].split()[0])
    shutil.rmtree(folder)
    return seconds, peak_kb / 1024


def test_download_against_curl(tmp_path):
    for tool in ("curl", "tc"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is needed (apt-get install curl iproute2)")
    world = World(tmp_path / "sandbox")
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, **world.environ(home)}
    try:
        client = world.http(PRO_PROD)
        client.timeout = 600
        key = client.headers["Authorization"].split(" ", 1)[1]
        url = str(client.base_url).rstrip("/")
        backups = {}
        for label, megabytes in (("medium", LARGE_MB // 2), ("large", LARGE_MB - LARGE_MB // 2)):
            _upload_files(client, megabytes)
            made = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "tui",
                    "backup",
                    "--deployment",
                    PRO_PROD,
                    "--wait",
                    "--include-storage",
                    "--json",
                ],
                capture_output=True,
                text=True,
                env=env,
                cwd=REPO,
            )
            assert made.returncode == 0, made.stderr
            backups[label] = json.loads(made.stdout)
        records = {str(b["id"]): b for b in world.backups(PRO_PROD)}
        exports = {label: records[str(b["id"])]["snapshotId"] for label, b in backups.items()}
        size: dict[str, int] = {}
        meter = CpuMeter(world.sandbox.proc.pid)
        link = {label: f"{url}/api/export/zip/{export}" for label, export in exports.items()}
        _curl(link["large"], key, tmp_path / "warm.zip", meter)  # the server's file into the page cache
        rows, ratios, peaks = [], {}, []

        def measure(label: str, cap: str | None) -> None:
            curl_s, ours_s, curl_cpu, ours_cpu = [], [], [], []
            for round_number in range(ROUNDS):
                with shaped(CAPS.get(cap) if cap else None):
                    curl_s.append(_curl(link["large"], key, tmp_path / "curl.zip", meter))
                    curl_cpu.append(meter.client)
                    result = _library(url, key, exports["large"], tmp_path / f"ours-{round_number}", meter)
                    ours_s.append(result["seconds"])
                    ours_cpu.append(meter.client)
                assert result["streamed"] and result["files"] > 0
                size["large"] = result["size"]
                peaks.append(result["peak_mb"])
            mb = size["large"] / 1e6
            c, o = statistics.median(curl_s), statistics.median(ours_s)
            cc, oc = statistics.median(curl_cpu), statistics.median(ours_cpu)
            ratios[label] = c / o
            rows.append([label, "curl -o", f"{mb:,.0f}", f"{c:.2f}", f"{mb / c:,.0f}", "", f"{cc / mb * 1e3:.2f}", ""])
            rows.append(
                [
                    label,
                    "download manager",
                    f"{mb:,.0f}",
                    f"{o:.2f}",
                    f"{mb / o:,.0f}",
                    f"{c / o:.2f}x",
                    f"{oc / mb * 1e3:.2f}",
                    f"{peaks[-1]:.0f}",
                ]
            )

        measure("unshaped", None)
        for cap in CAPS:
            measure(cap, cap)
        # The whole command, start-up included, on the ~500 MB backup at 1 Gbit/s (medians of ROUNDS rounds).
        curl_s, command_s, curl_cpu, command_cpu, command_peaks = [], [], [], [], []
        for _ in range(ROUNDS):
            with shaped(CAPS["1 Gbit/s"]):
                curl_s.append(_curl(link["medium"], key, tmp_path / "curl.zip", meter))
                curl_cpu.append(meter.client)
                seconds, peak = _command(world, home, str(backups["medium"]["id"]), tmp_path / "cmd", meter)
                command_s.append(seconds)
                command_cpu.append(meter.client)
            command_peaks.append(peak)
        peaks += command_peaks
        c, o = statistics.median(curl_s), statistics.median(command_s)
        ratios["command"] = c / o
        rows.append(
            ["command, 1 Gbit/s", "curl -o", "~500", f"{c:.2f}", "", "", f"{statistics.median(curl_cpu):.2f} s", ""]
        )
        rows.append(
            [
                "command, 1 Gbit/s",
                "convex-backups download",
                "~500",
                f"{o:.2f}",
                "",
                f"{ratios['command']:.2f}x",
                f"{statistics.median(command_cpu):.2f} s",
                f"{max(command_peaks):.0f}",
            ]
        )
        print_table(
            f"Download of a backup with files next to curl -o, {ROUNDS} round(s), {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.1f}",
            ["link", "client", "MB", "seconds", "MB/s", "of curl", "client CPU s/GB", "peak MB"],
            rows,
        )
        each = ", ".join(f"{a / b:.2f}x" for a, b in zip(curl_s, command_s))
        print(f"the command's rounds (curl's seconds / the command's): {each}")
    finally:
        world.stop()
    assert max(peaks) < 100, f"peak memory {max(peaks):.0f} MB"
    assert ratios["1 Gbit/s"] >= TARGETS["1 Gbit/s"], ratios
    assert ratios["2.5 Gbit/s"] >= TARGETS["2.5 Gbit/s"], ratios
    assert ratios["command"] >= 0.95, ratios
