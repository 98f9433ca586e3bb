"""The download manager against a real, misbehaving HTTP server on 127.0.0.1 (not a mocked transport):
drops mid-body, Range ignored or garbled, 429/500/503, a damaged ZIP, a full disk, a name already taken,
and a part file left by an earlier run."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import os
import re
import subprocess

import httpx
import pytest
from fault_server import FaultServer, Reply, Reset, SleepRecorder
from zip_samples import NAME, damage_member, sample_zip

from tui.api.deployment.client import DeploymentClient
from tui.api.errors import AuthError
from tui.services.downloads.errors import CorruptArchive, DiskFull, RetriesExhausted, TargetExists
from tui.services.downloads.downloader import Downloader, RetryPlan, download_export

ZIP = sample_zip(files=3, file_size=400_000)
EXPORT_ID = "1712345678901234567"


class ScriptedExport:
    """Serves a ZIP at /api/export/zip/<id>; each request takes the next step of `script`:
    "ok", ("drop", n) (send n bytes, then reset), ("status", code, headers), "ignore_range" (answer 200
    with the whole file to a Range request), ("wrong_range", delta). Past the script: "ok"."""

    def __init__(self, body: bytes = ZIP, script=(), *, total_header: bool = True, ranges: bool = True):
        self.body = body
        self.script = list(script)
        self.total_header = total_header
        self.ranges = ranges  # False: Range ignored and not offered, as Convex's download handler does

    def __call__(self, request):
        if not request.route.startswith("/api/export/zip/"):
            return Reply(404, {"code": "NotFound", "message": "no route"})
        step = self.script.pop(0) if self.script else "ok"
        if isinstance(step, Reset):
            return step
        if isinstance(step, tuple) and step[0] == "status":
            return Reply(
                step[1], {"code": "Oops", "message": f"status {step[1]}"}, dict(step[2]) if len(step) > 2 else {}
            )
        headers = {"Content-Disposition": f"attachment; filename={NAME}"}
        honour = self.ranges and step != "ignore_range"
        if honour:
            headers["Accept-Ranges"] = "bytes"  # as range-serving servers (S3, nginx) say; Convex does not
        match = re.match(r"bytes=(\d+)-$", request.headers.get("range", ""))
        if match and honour:
            start = int(match.group(1))
            if isinstance(step, tuple) and step[0] == "wrong_range":
                start += step[1]
            headers["Content-Range"] = f"bytes {start}-{len(self.body) - 1}/{len(self.body)}"
            status, body = 206, self.body[start:]
        else:
            status, body = 200, self.body
        if isinstance(step, tuple) and step[0] == "drop":
            return Reply(status, body, headers, truncate_at=step[1])
        return Reply(status, body, headers)


def _client(server) -> DeploymentClient:
    return DeploymentClient(server.url, "test-deployment-1|0123456789abcdef", sleep=SleepRecorder())


def _downloader(**kwargs) -> Downloader:
    kwargs.setdefault("sleep", SleepRecorder())
    return Downloader(**kwargs)


def _left_over(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


async def test_a_clean_download_has_the_servers_name_a_sidecar_and_no_part_file(tmp_path):
    seen = []
    async with FaultServer(ScriptedExport()) as server, _client(server) as client:
        result = await download_export(
            client, EXPORT_ID, folder=tmp_path / "dl", downloader=_downloader(), progress=seen.append
        )
    assert result.path == tmp_path / "dl" / NAME
    assert result.path.read_bytes() == ZIP
    assert result.sha256 == hashlib.sha256(ZIP).hexdigest()
    assert result.sidecar.read_text() == f"{result.sha256}  {NAME}\n"
    assert subprocess.run(["sha256sum", "-c", result.sidecar.name], cwd=result.path.parent).returncode == 0
    assert _left_over(tmp_path / "dl") == [NAME, NAME + ".sha256"]
    assert oct(result.path.stat().st_mode & 0o777) == "0o600"
    assert result.integrity.streamed and result.integrity.storage_files == 3
    assert (result.resumes, result.restarts) == (0, 0)
    phases = [p.phase for p in seen]
    assert phases[0] == "connecting" and phases[-1] == "done" and "verifying" in phases
    assert any(p.phase == "downloading" and p.total == len(ZIP) for p in seen)


async def test_a_dropped_connection_resumes_with_range_and_the_sha256_matches(tmp_path):
    """Against a server that offers Range (not Convex's handler): the download resumes where it stopped."""
    seen = []
    async with FaultServer(ScriptedExport(script=[("drop", 150_000), ("drop", 200_000)])) as server:
        async with _client(server) as client:
            result = await download_export(
                client, EXPORT_ID, folder=tmp_path, downloader=_downloader(), progress=seen.append
            )
    retries = [p.message for p in seen if p.phase == "retrying"]
    assert len(retries) == 2 and all("Retrying in" in m and "cannot resume" not in m for m in retries)
    assert not any(p.phase == "restarting" for p in seen)
    assert hashlib.sha256(result.path.read_bytes()).hexdigest() == hashlib.sha256(ZIP).hexdigest() == result.sha256
    ranges = [r.headers.get("range") for r in server.requests]
    assert ranges[0] is None and ranges[1].startswith("bytes=") and len(server.requests) == 3
    assert 0 < int(ranges[1][6:-1]) <= 150_000
    assert result.resumes == 2 and result.restarts == 0


async def test_a_server_that_ignores_range_makes_the_download_start_over(tmp_path):
    script = [("drop", 100_000), "ignore_range"]
    seen = []
    async with FaultServer(ScriptedExport(script=script)) as server, _client(server) as client:
        result = await download_export(
            client, EXPORT_ID, folder=tmp_path, downloader=_downloader(), progress=seen.append
        )
    assert result.path.read_bytes() == ZIP and result.restarts == 1
    # The whole-file answer to the Range request is used from byte 0, not asked for once more.
    assert len(server.requests) == 2
    restarting = [p for p in seen if p.phase == "restarting"]
    assert len(restarting) == 1 and "cannot resume" in restarting[0].message and restarting[0].done == 0


async def test_a_wrong_content_range_makes_the_download_start_over(tmp_path):
    script = [("drop", 100_000), ("wrong_range", 13)]
    async with FaultServer(ScriptedExport(script=script)) as server, _client(server) as client:
        result = await download_export(client, EXPORT_ID, folder=tmp_path, downloader=_downloader())
    assert result.path.read_bytes() == ZIP and result.restarts == 1
    assert server.requests[-1].headers.get("range") is None


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_busy_or_failing_servers_are_retried_with_backoff(tmp_path, status):
    sleep = SleepRecorder()
    script = [("status", status, {"Retry-After": "2"})] * 2 + [("drop", 50_000), ("status", status)]
    async with FaultServer(ScriptedExport(script=script)) as server, _client(server) as client:
        result = await download_export(client, EXPORT_ID, folder=tmp_path, downloader=_downloader(sleep=sleep))
    assert result.path.read_bytes() == ZIP
    assert len(server.requests) == 5


async def test_a_server_that_keeps_failing_ends_in_a_clear_error_after_bounded_retries(tmp_path):
    sleep = SleepRecorder()
    async with FaultServer(ScriptedExport(script=[("status", 500)] * 50)) as server, _client(server) as client:
        with pytest.raises(RetriesExhausted) as caught:
            await download_export(
                client, EXPORT_ID, folder=tmp_path, downloader=_downloader(sleep=sleep, retry=RetryPlan(attempts=3))
            )
    assert len(server.requests) == 4 and len(sleep.waits) == 3
    assert sleep.waits == sorted(sleep.waits)  # backing off
    assert "kept failing" in str(caught.value)
    assert _left_over(tmp_path) == []


async def test_when_retries_run_out_against_a_server_without_range_nothing_is_kept_and_it_says_so(tmp_path):
    """Like Convex's handler: no Range offered, so a part file could never be resumed: it is removed, and
    the error says the next run starts over rather than promising a resume."""
    script = [("drop", 120_000)] + [Reset()] * 10
    async with FaultServer(ScriptedExport(script=script, ranges=False)) as server, _client(server) as client:
        with pytest.raises(RetriesExhausted) as caught:
            await download_export(
                client, EXPORT_ID, folder=tmp_path, downloader=_downloader(retry=RetryPlan(attempts=2))
            )
    assert "cannot resume" in str(caught.value) and "start it over" in str(caught.value)
    assert "was kept" not in str(caught.value)
    assert _left_over(tmp_path) == []


async def test_when_retries_run_out_mid_file_the_part_is_kept_and_the_next_run_resumes_it(tmp_path):
    script = [("drop", 120_000)] + [Reset()] * 10
    async with FaultServer(ScriptedExport(script=script)) as server, _client(server) as client:
        with pytest.raises(RetriesExhausted) as caught:
            await download_export(
                client, EXPORT_ID, folder=tmp_path, downloader=_downloader(retry=RetryPlan(attempts=2))
            )
    assert "resume" in str(caught.value)
    assert _left_over(tmp_path) == [NAME + ".part", NAME + ".part.json"]
    kept = (tmp_path / (NAME + ".part")).stat().st_size
    assert 0 < kept <= 120_000
    async with FaultServer(ScriptedExport()) as server, _client(server) as client:
        result = await download_export(client, EXPORT_ID, folder=tmp_path, downloader=_downloader())
    assert result.path.read_bytes() == ZIP and result.resumes == 1
    assert [r.headers.get("range") for r in server.requests] == [None, f"bytes={kept}-"]
    assert _left_over(tmp_path) == [NAME, NAME + ".sha256"]


async def test_a_part_file_of_another_backup_is_not_resumed(tmp_path):
    (tmp_path / (NAME + ".part")).write_bytes(b"something else entirely")
    (tmp_path / (NAME + ".part.json")).write_text('{"source": "another", "total": 5}')
    async with FaultServer(ScriptedExport()) as server, _client(server) as client:
        result = await download_export(client, EXPORT_ID, folder=tmp_path, downloader=_downloader())
    assert result.path.read_bytes() == ZIP and result.resumes == 0 and len(server.requests) == 1


async def test_a_damaged_zip_never_gets_the_final_name(tmp_path):
    damaged = damage_member(ZIP, "_storage/k")
    async with FaultServer(ScriptedExport(damaged)) as server, _client(server) as client:
        with pytest.raises(CorruptArchive) as caught:
            await download_export(client, EXPORT_ID, folder=tmp_path, downloader=_downloader())
    assert caught.value.code in ("InvalidZip", "Sha256Mismatch")
    assert _left_over(tmp_path) == []


async def test_a_storage_file_that_does_not_match_its_sha256_is_refused(tmp_path):
    mismatched = sample_zip(files=3, file_size=100_000, bad_sha_for=1)
    async with FaultServer(ScriptedExport(mismatched)) as server, _client(server) as client:
        with pytest.raises(CorruptArchive) as caught:
            await download_export(client, EXPORT_ID, folder=tmp_path, downloader=_downloader())
    assert caught.value.code == "Sha256Mismatch" and "_storage/" in str(caught.value)
    assert _left_over(tmp_path) == []


async def test_a_truncated_body_without_a_length_fails_verification(tmp_path):
    async with FaultServer(ScriptedExport(ZIP[: len(ZIP) // 2])) as server, _client(server) as client:
        with pytest.raises(CorruptArchive):
            await download_export(client, EXPORT_ID, folder=tmp_path, downloader=_downloader())
    assert _left_over(tmp_path) == []


async def test_a_full_disk_is_a_permanent_error_that_removes_the_partial_file(tmp_path):
    written = []

    def full_after_a_little(fd, data, offset):
        if sum(written) >= 300_000:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(os.pwrite(fd, data, offset))
        return written[-1]

    async with FaultServer(ScriptedExport()) as server, _client(server) as client:
        with pytest.raises(DiskFull) as caught:
            await download_export(
                client,
                EXPORT_ID,
                folder=tmp_path,
                downloader=_downloader(file_writer=full_after_a_little, chunk_size=64 * 1024),
            )
    assert "full" in str(caught.value) and caught.value.code == "DiskFull"
    assert len(server.requests) == 1  # not retried
    assert _left_over(tmp_path) == []


async def test_a_quota_error_counts_as_a_full_disk(tmp_path):
    def over_quota(fd, data, offset):
        raise OSError(errno.EDQUOT, "Disk quota exceeded")

    async with FaultServer(ScriptedExport()) as server, _client(server) as client:
        with pytest.raises(DiskFull):
            await download_export(client, EXPORT_ID, folder=tmp_path, downloader=_downloader(file_writer=over_quota))
    assert _left_over(tmp_path) == []


async def test_an_existing_file_is_never_overwritten(tmp_path):
    (tmp_path / NAME).write_bytes(b"precious")
    async with FaultServer(ScriptedExport()) as server, _client(server) as client:
        with pytest.raises(TargetExists):
            await download_export(client, EXPORT_ID, folder=tmp_path, downloader=_downloader())
    assert (tmp_path / NAME).read_bytes() == b"precious"
    assert _left_over(tmp_path) == [NAME]


async def test_an_explicit_path_is_used_as_given(tmp_path):
    target = tmp_path / "nested" / "mine.zip"
    async with FaultServer(ScriptedExport()) as server, _client(server) as client:
        result = await download_export(client, EXPORT_ID, path=target, downloader=_downloader())
    assert result.path == target and target.read_bytes() == ZIP
    assert (tmp_path / "nested" / "mine.zip.sha256").read_text().endswith("  mine.zip\n")


async def test_auth_errors_are_not_retried(tmp_path):
    script = [("status", 401)]
    async with FaultServer(ScriptedExport(script=script)) as server, _client(server) as client:
        with pytest.raises(AuthError):
            await download_export(client, EXPORT_ID, folder=tmp_path, downloader=_downloader())
    assert len(server.requests) == 1


async def test_full_verification_reads_every_document_too(tmp_path):
    async with FaultServer(ScriptedExport()) as server, _client(server) as client:
        result = await download_export(client, EXPORT_ID, folder=tmp_path, downloader=_downloader(full_verify=True))
    assert result.full_report is not None and result.full_report.documents == 20 + 5 + 300


async def test_a_server_that_stalls_mid_body_times_out_and_the_download_resumes(tmp_path):
    """The first answer sends half the file and then nothing (the connection stays open): the read times
    out, and the download resumes from where it stopped."""
    requests: list[str | None] = []
    stall = asyncio.Event()

    async def serve(reader, writer):
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        match = re.search(r"(?im)^range:\s*bytes=(\d+)-", head)
        requests.append(match.group(1) if match else None)
        start = int(match.group(1)) if match else 0
        body = ZIP[start:]
        status = "206 Partial Content" if match else "200 OK"
        extra = f"Content-Range: bytes {start}-{len(ZIP) - 1}/{len(ZIP)}\r\n" if match else ""
        writer.write(
            (
                f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n{extra}"
                f"Content-Disposition: attachment; filename={NAME}\r\n\r\n"
            ).encode()
        )
        if match is None:
            writer.write(body[: len(body) // 2])
            await writer.drain()
            await stall.wait()  # nothing more until the test ends
        else:
            writer.write(body)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        timeout = httpx.Timeout(connect=2.0, read=0.3, write=2.0, pool=2.0)
        async with DeploymentClient(url, "test-deployment-1|00", sleep=SleepRecorder(), timeout=timeout) as client:
            result = await download_export(client, EXPORT_ID, folder=tmp_path, downloader=_downloader())
    finally:
        stall.set()
        server.close()
        await server.wait_closed()
    assert result.path.read_bytes() == ZIP and result.resumes == 1
    assert requests[0] is None and 0 < int(requests[1]) <= len(ZIP) // 2
