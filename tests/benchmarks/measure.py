"""Shared measuring tools for benchmarks: peak memory of a process, baselines, a printed table."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a live process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmHWM not found")


def zip_baseline(folder: Path, out: Path) -> float:
    """Seconds `zip -1 -r` takes to compress `folder` (the same JSONL files the app handles)."""
    if shutil.which("zip") is None:
        raise RuntimeError("the `zip` command is needed for the baseline: apt-get install zip")
    out.unlink(missing_ok=True)
    start = time.perf_counter()
    subprocess.run(["zip", "-q", "-1", "-r", str(out), "."], cwd=folder, check=True)
    return time.perf_counter() - start


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows)]
    line = "  ".join("{:>%d}" % w for w in widths)
    print(f"\n{title}")
    print(line.format(*header))
    for row in rows:
        print(line.format(*row))
