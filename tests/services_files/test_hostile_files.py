"""Hostile snapshot ZIPs on the client: `verify`, `inspect` and `import` read every member line by line
in bounded memory, and refuse a line past 32 MiB or a document over 1 MiB (as Convex refuses it) with
its line number, before anything is uploaded.

Each command runs as its own process, whose peak resident memory (its VmHWM at exit) must stay under 300 MB:
on the NUL-line bomb (a 9 MB ZIP holding one 2 GiB line) they used to peak at 6.3 GB.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import orjson
import pytest

sys.path.insert(0, str(Path(__file__).parent.parent))  # tests/: the hostile archives' helpers
sys.path.insert(0, str(Path(__file__).parent.parent / "emulator"))  # convex_http

from convex_http import query  # noqa: E402

from hostile_archives import (  # noqa: E402
    BIG_STRING_BYTES,
    BOMB_MEMBER,
    MEMORY_LIMIT_MB,
    document_line,
    nul_line_bomb,
    run_measured,
    zip_of_lines,
)

from tui.archive.errors import ArchiveError  # noqa: E402
from tui.archive.limits import MAX_DOCUMENT_SIZE, value_size  # noqa: E402
from tui.archive.verify import verify_archive  # noqa: E402
from tui.archive.stream_check import StreamingZipCheck  # noqa: E402

USERS = 10001
TOO_LONG = "the line is longer than 32 MiB"


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    return nul_line_bomb(tmp_path_factory)


@pytest.fixture
def clean_env(tmp_path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("CONVEX")}
    return {**keep, "CONVEX_BACKUPS_HOME": str(tmp_path / "home"), "HOME": str(tmp_path / "home")}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("command", [["verify"], ["verify", "--quick"], ["inspect"]])
def test_the_nul_line_bomb_is_refused_at_line_1_in_bounded_memory(bomb, clean_env, tmp_path, command):
    code, output, peak_mb = run_measured([*command, str(bomb)], env=clean_env, cwd=tmp_path)
    assert code == 1, output
    assert f"{BOMB_MEMBER} line 1: {TOO_LONG}" in output
    assert "Traceback" not in output
    assert peak_mb < MEMORY_LIMIT_MB, f"{' '.join(command)} peaked at {peak_mb} MB"


@pytest.mark.timeout(120)
def test_headless_import_refuses_the_bomb_before_uploading_it(bomb, deployment, clean_env, tmp_path):
    env = {**clean_env, "CONVEX_SELF_HOSTED_URL": deployment.url, "CONVEX_SELF_HOSTED_ADMIN_KEY": deployment.key}
    name = deployment.name
    code, output, peak_mb = run_measured(
        ["import", str(bomb), "--yes", "--confirm", name, "--no-safety-backup"], env=env, cwd=tmp_path
    )
    assert code == 1, output
    assert f"{bomb} was not imported, nothing was uploaded: {BOMB_MEMBER} line 1: {TOO_LONG}" in output
    assert "Traceback" not in output
    assert peak_mb < MEMORY_LIMIT_MB, f"import peaked at {peak_mb} MB"
    with deployment.client(key=deployment.key) as client:
        assert query(client, "_system/frontend/snapshotImport:list") == []  # nothing was uploaded


def test_a_download_check_refuses_the_bomb_as_it_streams(bomb):
    check = StreamingZipCheck()
    fed = 0
    with pytest.raises(ArchiveError) as caught, bomb.open("rb") as data:
        while piece := data.read(64 * 1024):
            check.feed(piece)
            fed += len(piece)
    assert caught.value.code == "LineTooLong" and caught.value.member == BOMB_MEMBER
    assert "(the line that starts at byte 0)" in caught.value.message
    assert fed < bomb.stat().st_size // 2  # refused long before the end


# -- a document over Convex's 1 MiB ---------------------------------------------------------------------


def test_verify_reports_a_20_mb_document_with_its_line(tmp_path, clean_env):
    lines = [document_line(USERS, 1), document_line(USERS, 2, blob="x" * BIG_STRING_BYTES), document_line(USERS, 3)]
    path = zip_of_lines(tmp_path / "big.zip", "users/documents.jsonl", lines)
    with pytest.raises(ArchiveError) as caught:
        verify_archive(path)
    error = caught.value
    assert (error.code, error.member, error.line) == ("ValueTooLargeError", "users/documents.jsonl", 2)
    assert error.message == "Value is too large (19.07 MiB > maximum size 1 MiB)"  # Convex's words

    code, output, peak_mb = run_measured(["verify", "--json", str(path)], env=clean_env, cwd=tmp_path)
    report = json.loads(output)
    assert code == 1 and report["ok"] is False
    assert report["error"]["line"] == 2 and report["error"]["code"] == "ValueTooLargeError"
    assert peak_mb < MEMORY_LIMIT_MB


def _document_of_size(size: int) -> bytes:
    """A line whose document has exactly `size` by Convex's measure (system fields included)."""
    padding = size - value_size(orjson.loads(document_line(USERS, 1, blob="")))
    return document_line(USERS, 1, blob="y" * padding)


def test_a_document_of_exactly_1_mib_passes_and_one_byte_more_does_not(tmp_path):
    at_limit = zip_of_lines(tmp_path / "at.zip", "users/documents.jsonl", [_document_of_size(MAX_DOCUMENT_SIZE)])
    assert verify_archive(at_limit).documents == 1
    over = zip_of_lines(tmp_path / "over.zip", "users/documents.jsonl", [_document_of_size(MAX_DOCUMENT_SIZE + 1)])
    with pytest.raises(ArchiveError) as caught:
        verify_archive(over)
    assert caught.value.code == "ValueTooLargeError" and caught.value.line == 1
    assert caught.value.message == "Value is too large (1.00 MiB > maximum size 1 MiB)"
