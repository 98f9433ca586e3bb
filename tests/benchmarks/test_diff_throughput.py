"""Benchmark: the diff of two 1,000,000-document snapshots next to reading both ZIPs' JSONL with
`unzip -p ... > /dev/null` in the same run. The diff must take at most 3x that baseline, with peak memory
under 300 MB.

Run: .venv/bin/python -m pytest -m benchmark tests/benchmarks/test_diff_throughput.py -s
BENCH_DIFF_DOCS sets the size (default 1,000,000). The newer snapshot has 1% of the documents changed (half
of those with an Int64 turned Float64), 0.5% deleted and 0.5% created, spread over three tables.

A run on the 2-core development machine (loaded by other work): unzip -p 6.6 s, diff 12.9 s (ratio 1.96),
peak RSS 55 MB.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from measure import print_table

from tui.archive.ids import encode_id
from tui.archive.writer import SnapshotWriter

pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(7200)]
MEMORY_LIMIT_MB = 300
MAX_RATIO = 3.0
TABLES = (("messages", 10001, 0.7), ("users", 10002, 0.2), ("events", 10003, 0.1))


def _line(number: int, n: int, changed: bool) -> bytes:
    amount = f"{n * 1.5 + 0.25}" if changed and n % 2 else str(n * 3)  # Int64 -> Float64 for half the changes
    body = f"message {n} about order {n * 7 % 9973} " + "lorem ipsum " * (n % 5 + 3)
    return b'{"_creationTime":%d.0,"_id":"%s","amount":%s,"author":"%s","body":"%s","tags":["a","b%d"]}\n' % (
        1_700_000_000_000 + n,
        encode_id(number, n.to_bytes(16, "big")).encode(),
        amount.encode(),
        encode_id(10002, (n % 1000).to_bytes(16, "big")).encode(),
        body.encode(),
        n % 17,
    )


def _write(path: Path, documents: int, newer: bool) -> None:
    with SnapshotWriter(str(path)) as writer:
        writer.write_tables_index("", [(name, number) for name, number, _ in TABLES])
        for name, number, share in TABLES:
            count = int(documents * share)
            with writer.open_table("", name) as table:
                for n in range(count + (count // 200 if newer else 0)):
                    if newer and n % 200 == 7:
                        continue  # deleted since
                    if not newer and n >= count:
                        break
                    table.write_line(_line(number, n, newer and n % 100 == 3))


def _unzip_seconds(paths: list[Path]) -> float:
    if shutil.which("unzip") is None:
        pytest.skip("the `unzip` command is needed for the baseline: apt-get install unzip")
    start = time.perf_counter()
    for path in paths:
        with open(os.devnull, "wb") as sink:
            subprocess.run(["unzip", "-p", str(path), "*.jsonl"], stdout=sink, check=True)
    return time.perf_counter() - start


_DIFF = """
import sys, time
from pathlib import Path
from tui.archive.snapshot_diff import diff_snapshots
start = time.perf_counter()
store = diff_snapshots(sys.argv[1], sys.argv[2], sys.argv[3])
seconds = time.perf_counter() - start
totals = [sum(getattr(t, k) for t in store.tables()) for k in ("unchanged", "changed", "created", "deleted")]
# VmHWM, not ru_maxrss: the latter keeps the parent's high-water mark across fork and exec.
status = Path("/proc/self/status").read_text().splitlines()
peak_mb = int(next(line for line in status if line.startswith("VmHWM:")).split()[1]) / 1024
print(seconds, peak_mb, *totals)
"""


def test_diff_of_two_million_document_snapshots(tmp_path):
    documents = int(os.environ.get("BENCH_DIFF_DOCS", "1000000"))
    old, new = tmp_path / "snapshot_bench_1.zip", tmp_path / "snapshot_bench_2.zip"
    _write(old, documents, newer=False)
    _write(new, documents, newer=True)
    baseline = _unzip_seconds([old, new])
    done = subprocess.run(
        [sys.executable, "-c", _DIFF, str(old), str(new), str(tmp_path / "diff.sqlite")],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    seconds, peak_mb, unchanged, changed, created, deleted = (float(v) for v in done.stdout.split())
    ratio = seconds / baseline
    print_table(
        f"diff of two {documents:,}-document snapshots",
        ["measure", "value"],
        [
            ["unzip -p both (s)", f"{baseline:.2f}"],
            ["diff (s)", f"{seconds:.2f}"],
            ["ratio", f"{ratio:.2f} (limit {MAX_RATIO})"],
            ["peak RSS (MB)", f"{peak_mb:.0f} (limit {MEMORY_LIMIT_MB})"],
            [
                "unchanged / changed / created / deleted",
                " / ".join(f"{n:,.0f}" for n in (unchanged, changed, created, deleted)),
            ],
            ["ZIP bytes (both)", f"{old.stat().st_size + new.stat().st_size:,}"],
        ],
    )
    assert deleted > 0 and created > 0 and changed > 0
    assert unchanged + changed + deleted == sum(int(documents * s) for _, _, s in TABLES)
    assert peak_mb < MEMORY_LIMIT_MB
    assert ratio <= MAX_RATIO
