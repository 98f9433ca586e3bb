"""Shared measuring tools for benchmarks: peak memory of a process, baselines, a printed table."""

from __future__ import annotations

import os
import resource
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


class CpuMeter:
    """CPU seconds (user + system) used meanwhile by this process's finished children (`client`) and by
    the sandbox (`sandbox`)."""

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
