"""Hostile snapshot ZIPs for the tests (no tests here), and how much memory a process peaked at.

The NUL-line bomb is a 9 MB ZIP whose `messages/documents.jsonl` inflates to a single 2 GiB line of
NUL bytes (about 230:1, within the reader's zip bomb checks, which let it through). It is written streaming
(1 MiB at a time) at Deflate's fastest level, which halves its CPU against the best ratio (2.8 against 5.6
CPU-seconds), and no memory; it is built once per test run, for every xdist worker.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import orjson

from run_shared import built_once_per_run

from tui.archive.ids import new_id

BOMB_MEMBER = "messages/documents.jsonl"
BOMB_LINE_BYTES = 2 << 30
MEMORY_LIMIT_MB = 300
BIG_STRING_BYTES = 20_000_000  # a "20 MB document"


def nul_line_bomb(tmp_path_factory) -> Path:
    """The run's NUL-line bomb (`run_shared`: one for every xdist worker)."""
    return built_once_per_run(tmp_path_factory, "bomb", "nul-line-bomb.zip", _write_bomb)


def _write_bomb(path: Path) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open(BOMB_MEMBER, "w", force_zip64=True) as member:
            chunk = bytes(1 << 20)
            for _ in range(BOMB_LINE_BYTES // len(chunk)):
                member.write(chunk)


def document_line(table_number: int, n: int, **fields) -> bytes:
    """One documents.jsonl line in export JSON, with a fresh `_id` of `table_number`."""
    document = {"_creationTime": 1700000000000.5 + n, "_id": new_id(table_number), "n": float(n), **fields}
    return orjson.dumps(document) + b"\n"


def zip_of_lines(path: Path, member: str, lines: list[bytes]) -> Path:
    """A ZIP with one table made of `lines` as they are (and the "uniform" marker, as Convex writes)."""
    table = member.split("/")[0]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{table}/generated_schema.jsonl", b'"uniform"\n')
        with archive.open(member, "w", force_zip64=True) as out:
            for line in lines:
                out.write(line)
    return path


# Runs `python -m tui ARGS` and, at its exit, writes its own peak resident memory (VmHWM, in kB) to the
# file $PEAK_FILE names. The rusage of a child is no measure: it starts from the parent's peak when the
# parent spawns it (Linux keeps the larger of the two across exec), and the test process is large.
_REPORTING_MAIN = """
import atexit, os, runpy, sys

def report():
    with open("/proc/self/status") as status:
        peak = next(line for line in status if line.startswith("VmHWM:")).split()[1]
    with open(os.environ["PEAK_FILE"], "w") as out:
        out.write(peak)

atexit.register(report)
sys.argv = ["convex-backups", *sys.argv[1:]]
runpy.run_module("tui", run_name="__main__", alter_sys=True)
"""


def run_measured(args: list[str], *, env: dict[str, str], cwd: Path, timeout: float = 120) -> tuple[int, str, int]:
    """Run `python -m tui ARGS`; return (exit code, stdout and stderr, its peak resident memory in MB)."""
    peak_file = cwd / "peak-kb.txt"
    peak_file.unlink(missing_ok=True)
    completed = subprocess.run(
        [sys.executable, "-c", _REPORTING_MAIN, *args],
        capture_output=True,
        text=True,
        env={**env, "PEAK_FILE": str(peak_file)},
        cwd=cwd,
        timeout=timeout,
    )
    return completed.returncode, completed.stdout + completed.stderr, int(peak_file.read_text()) // 1024


def peak_of_process(pid: int) -> int:
    """A running process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    raise AssertionError(f"no VmHWM for process {pid}")
