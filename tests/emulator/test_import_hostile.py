"""Hostile uploads to the sandbox: the NUL-line bomb is refused at line 1 with the sandbox's memory under
300 MB, and stays failed across a restart; a document over 1 MiB is refused as Convex refuses it, with its
line; an import the sandbox died reading is read again at the next start, as Convex does, but one whose
reading or writing died three times is failed instead of started a fourth time (a file that kills the
sandbox would otherwise kill it at every start, and every deployment with it).
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import pytest
from import_support import USERS, confirm, documents, dump, get_import, make_zip, seed, upload, wait_state
from sandbox_process import SandboxProcess, wait_for

sys.path.insert(0, str(Path(__file__).parent.parent))  # tests/: the hostile archives' helpers

from hostile_archives import (  # noqa: E402
    BIG_STRING_BYTES,
    BOMB_MEMBER,
    MEMORY_LIMIT_MB,
    document_line,
    nul_line_bomb,
    peak_of_process,
    zip_of_lines,
)

from tui.archive.limits import MAX_DOCUMENT_SIZE, value_size  # noqa: E402
from tui.emulator.imports.attempts import READING, WRITING, died_message  # noqa: E402

TOO_LARGE = "Value is too large (19.07 MiB > maximum size 1 MiB)"  # Convex's words for the 20 MB document


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    return nul_line_bomb(tmp_path_factory)


def _imports_folder(process: SandboxProcess) -> Path:
    (folder,) = process.data.glob("deployments/*/imports")
    return folder


@pytest.mark.timeout(120)
def test_the_bomb_uploaded_raw_fails_at_line_1_in_bounded_memory_and_stays_failed(bomb, sandbox):
    key = sandbox.admin_key
    with sandbox.client(key=key) as client:
        seed(client, {"users": documents(USERS, 3)})
        before = dump(client)
        import_id = upload(client, bomb.read_bytes(), mode="replaceAll")
        failed = wait_state(client, import_id, "waiting_for_confirmation", "completed", "failed", timeout=60)
        assert failed["state"]["state"] == "failed"
        message = failed["state"]["error_message"]
        assert message.startswith("Hit an error while importing:\n")
        assert f"{BOMB_MEMBER} line 1: the line is longer than 32 MiB" in message
    assert peak_of_process(sandbox.proc.pid) < MEMORY_LIMIT_MB

    sandbox.stop()
    sandbox.start()  # the import is not read again: the sandbox stays up and the import failed
    with sandbox.client(key=key) as client:
        assert get_import(client, import_id)["state"] == failed["state"]
        assert dump(client) == before
        replacement = make_zip({"users": documents(USERS, 2)})
        done = upload(client, replacement, mode="replaceAll")
        wait_state(client, done, "waiting_for_confirmation")
        confirm(client, done)
        assert wait_state(client, done, "completed", "failed")["state"]["state"] == "completed"
    assert peak_of_process(sandbox.proc.pid) < MEMORY_LIMIT_MB


# -- documents over 1 MiB ---------------------------------------------------------------------------


def test_a_20_mb_document_is_refused_with_its_line(sandbox, tmp_path):
    lines = [document_line(USERS, 1), document_line(USERS, 2, blob="x" * BIG_STRING_BYTES), document_line(USERS, 3)]
    archive = zip_of_lines(tmp_path / "big.zip", "users/documents.jsonl", lines)
    with sandbox.client() as client:
        import_id = upload(client, archive.read_bytes(), mode="replaceAll", part_size=8 << 20)
        failed = wait_state(client, import_id, "waiting_for_confirmation", "completed", "failed")
        assert failed["state"] == {
            "state": "failed",
            "error_message": f"Hit an error while importing:\nusers/documents.jsonl line 2: {TOO_LARGE}",
        }
        # The same row in a JSON Lines upload of one table.
        rows = b"".join(orjson.dumps(row) + b"\n" for row in ({"n": 1}, {"n": 2, "blob": "x" * BIG_STRING_BYTES}))
        import_id = upload(client, rows, fmt="jsonLines", table="big", mode="replace", part_size=8 << 20)
        failed = wait_state(client, import_id, "waiting_for_confirmation", "completed", "failed")
        assert failed["state"]["error_message"] == f"Hit an error while importing:\nRow 2: {TOO_LARGE}"
        assert "big" not in dump(client)


@pytest.mark.parametrize(("fmt", "where"), [("jsonLines", "Row 2"), ("csv", "CSV line 3")])
def test_a_single_table_upload_with_a_line_over_32_mib_is_refused_with_its_line(sandbox, fmt, where):
    head = b'{"n": 1}\n' if fmt == "jsonLines" else b"n,text\n1,a\n"
    data = head + b"2," + b"z" * (33 << 20) + b"\n"
    with sandbox.client() as client:
        import_id = upload(client, data, fmt=fmt, table="long", mode="replace", part_size=8 << 20)
        failed = wait_state(client, import_id, "waiting_for_confirmation", "completed", "failed")
        assert failed["state"]["state"] == "failed"
        assert failed["state"]["error_message"].startswith(
            f"Hit an error while importing:\n{where}: the line is longer than 32 MiB"
        )
    assert peak_of_process(sandbox.proc.pid) < MEMORY_LIMIT_MB


@pytest.mark.timeout(120)
def test_lines_just_under_the_line_limit_keep_the_sandbox_in_bounded_memory(sandbox, tmp_path):
    # The longest lines a reader holds (31 MiB each, valid JSON): the most memory a hostile file can cost.
    lines = [document_line(USERS, n, blob="x" * (31 << 20)) for n in range(2)]
    archive = zip_of_lines(tmp_path / "long.zip", "users/documents.jsonl", lines * 10)
    del lines
    with sandbox.client() as client:
        import_id = upload(client, archive.read_bytes(), mode="replaceAll")
        failed = wait_state(client, import_id, "waiting_for_confirmation", "completed", "failed", timeout=60)
        assert failed["state"]["error_message"] == (
            "Hit an error while importing:\n"
            "users/documents.jsonl line 1: Value is too large (31.00 MiB > maximum size 1 MiB)"
        )
    assert peak_of_process(sandbox.proc.pid) < MEMORY_LIMIT_MB


def test_a_document_of_exactly_1_mib_imports(sandbox, tmp_path):
    padding = MAX_DOCUMENT_SIZE - value_size(orjson.loads(document_line(USERS, 1, blob="")))
    line = document_line(USERS, 1, blob="y" * padding)
    archive = zip_of_lines(tmp_path / "limit.zip", "users/documents.jsonl", [line])
    with sandbox.client() as client:
        import_id = upload(client, archive.read_bytes(), mode="replaceAll")
        wait_state(client, import_id, "waiting_for_confirmation")
        confirm(client, import_id)
        assert wait_state(client, import_id, "completed", "failed")["state"]["state"] == "completed"
        assert len(dump(client)["users"]) == 1


# -- a sandbox that died reading or writing an import -------------------------------------------------


@pytest.mark.timeout(120)
def test_an_import_the_sandbox_died_reading_once_is_read_again_and_completes(sandbox):
    key = sandbox.admin_key
    with sandbox.client(key=key) as client:
        seed(client, {"users": documents(USERS, 3)})
        wanted = documents(USERS, 40)
        sandbox.set_throttle(sandbox.name, 5.0)  # the reader pauses with its mark on disk: time to kill it
        import_id = upload(client, make_zip({"users": wanted}), mode="replaceAll")
    mark = _imports_folder(sandbox) / f"{import_id}.reading"
    wait_for(mark.exists, timeout=30, message="the sandbox to start reading the import")
    sandbox.kill()  # as the OOM killer would

    sandbox.start()  # at full speed: the throttle lives in the process
    with sandbox.client(key=key) as client:
        wait_state(client, import_id, "waiting_for_confirmation")
        confirm(client, import_id)
        assert wait_state(client, import_id, "completed", "failed")["state"]["state"] == "completed"
        assert len(dump(client)["users"]) == len(wanted)
    wait_for(lambda: not mark.exists(), message="the mark to go with the completed import")


@pytest.mark.timeout(180)
def test_an_import_whose_reading_died_three_times_is_failed_at_the_next_start(sandbox, tmp_path):
    # A million rows take the sandbox seconds to read: long enough to kill it in the middle.
    line = document_line(USERS, 1)
    archive = zip_of_lines(tmp_path / "slow.zip", "users/documents.jsonl", [line * 10_000] * 100)
    key = sandbox.admin_key
    with sandbox.client(key=key) as client:
        seed(client, {"users": documents(USERS, 3)})
        before = dump(client)
        import_id = upload(client, archive.read_bytes(), mode="replaceAll")
    mark = _imports_folder(sandbox) / f"{import_id}.reading"
    for attempt in (1, 2, 3):
        wait_for(
            lambda: mark.exists() and mark.read_text() == str(attempt), timeout=60, message=f"reading attempt {attempt}"
        )
        sandbox.kill()  # as the OOM killer would
        sandbox.start()
        with sandbox.client(key=key) as client:
            state = get_import(client, import_id)["state"]
            if attempt < 3:
                assert state["state"] == "uploaded"  # read again, as Convex does
            else:
                message = died_message(READING, {"type": "snapshotImport"})
                assert state == {"state": "failed", "error_message": message}
                assert "reading this file" in message and "convex-backups verify" in message
            assert dump(client) == before
    wait_for(lambda: not mark.exists(), message="the mark to go with the failed import")


@pytest.mark.timeout(120)
def test_an_import_whose_writing_died_three_times_is_not_started_again(slow_sandbox):
    key = slow_sandbox.admin_key
    with slow_sandbox.client(key=key) as client:
        seed(client, {"users": documents(USERS, 3)})
        before = dump(client)
        import_id = upload(client, make_zip({"users": documents(USERS, 3000)}), mode="replaceAll")
        wait_state(client, import_id, "waiting_for_confirmation")
        confirm(client, import_id)
    mark = _imports_folder(slow_sandbox) / f"{import_id}.writing"
    for attempt in (1, 2, 3):
        wait_for(
            lambda: mark.exists() and mark.read_text() == str(attempt), timeout=30, message=f"writing attempt {attempt}"
        )
        slow_sandbox.kill()
        slow_sandbox.start()
        with slow_sandbox.client(key=key) as client:
            state = get_import(client, import_id)["state"]
            if attempt < 3:
                assert state["state"] == "in_progress"  # started over, as Convex does
            else:
                assert state == {"state": "failed", "error_message": died_message(WRITING, {"type": "snapshotImport"})}
            assert dump(client) == before


def test_the_final_message_fits_a_cloud_restore_or_an_uploaded_file():
    """A restore from a cloud backup has no file of the operator's: it is not told to verify one it has."""
    cloud = died_message(READING, {"type": "cloudRestore", "sourceCloudBackupId": 8000001})
    assert "reading this backup" in cloud and "this file" not in cloud
    assert "another backup" in cloud and "convex-backups download" in cloud
    upload = died_message(READING, {"type": "snapshotImport"})
    assert "reading this file" in upload and "Check the file with `convex-backups verify`" in upload
    assert "writing this import" in died_message(WRITING, {"type": "cloudRestore"})
