"""Export downloads against a loopback server that drops the connection mid-body, ignores or garbles
Range, or is briefly unavailable: the transport reports each case so the download service can resume."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import time

import pytest
from fault_server import FaultServer, Reply, SleepRecorder

from tui.api.deployment.client import DeploymentClient
from tui.api.errors import NetworkError, NotFound, ProtocolError
from tui.api.deployment.export_download import filename_from_disposition

ZIP = os.urandom(300_000)
NAME = "snapshot_test-deployment-1_1712345678901234567.zip"


def export_server(
    *,
    drop_first_at: int | None = None,
    honour_range: bool = True,
    lie_about_range: bool = False,
    unavailable_first: int = 0,
):
    """Serves ZIP at /api/export/zip/<anything>, misbehaving as asked."""
    state = {"drops": 0 if drop_first_at is None else 1, "unavailable": unavailable_first}

    def handler(request):
        prefix, _, key = request.route.rpartition("/")
        if prefix != "/api/export/zip" or not key.isalnum():
            return Reply(404, {"code": "ExportNotFound", "message": "no such export"})
        if state["unavailable"]:
            state["unavailable"] -= 1
            return Reply(503, b"", {"Retry-After": "1"})
        headers = {"Content-Disposition": f"attachment; filename={NAME}"}
        match = re.match(r"bytes=(\d+)-$", request.headers.get("range", ""))
        if match and honour_range:
            start = int(match.group(1)) + (7 if lie_about_range else 0)
            headers["Content-Range"] = f"bytes {start}-{len(ZIP) - 1}/{len(ZIP)}"
            return Reply(206, ZIP[start:], headers)
        if state["drops"]:
            state["drops"] -= 1
            return Reply(200, ZIP, headers, truncate_at=drop_first_at)
        return Reply(200, ZIP, headers)

    return handler


def api(server: FaultServer, sleep: SleepRecorder | None = None) -> DeploymentClient:
    return DeploymentClient(server.url, "test-deployment-1|0123456789abcdef", sleep=sleep or SleepRecorder())


async def test_drop_mid_body_then_resume_with_range():
    async with FaultServer(export_server(drop_first_at=100_000)) as server:
        async with api(server) as client:
            received = bytearray()
            with pytest.raises(NetworkError) as caught:
                async with client.download_export("1712345678901234567") as download:
                    assert download.filename == NAME and download.total_size == len(ZIP)
                    await download.pour(received.extend, 16 * 1024)
            assert caught.value.code == "ConnectionDropped" and 0 < len(received) < len(ZIP)
            resume_at = len(received)
            async with client.download_export("1712345678901234567", offset=resume_at) as download:
                assert download.resumed and download.offset == resume_at
                await download.pour(received.extend)
    assert hashlib.sha256(received).digest() == hashlib.sha256(ZIP).digest()
    assert server.requests[1].headers["range"] == f"bytes={resume_at}-"
    assert server.requests[1].headers["accept-encoding"] == "identity"


@pytest.mark.parametrize("size", [10_000, 7_000, 1 << 20])
async def test_pieces_are_at_least_the_size_asked_for(size):
    """Whatever pieces the network delivers, the sink gets them gathered (the last may be shorter)."""
    async with FaultServer(export_server()) as server:
        async with api(server) as client:
            async with client.download_export("abc") as download:
                chunks: list[bytes] = []
                await download.pour(chunks.append, size)
    assert b"".join(chunks) == ZIP
    assert all(len(chunk) >= size for chunk in chunks[:-1]) and 0 < len(chunks[-1])
    assert len(chunks) <= len(ZIP) // size + 1


async def test_a_server_that_ignores_range_restarts_at_zero():
    async with FaultServer(export_server(honour_range=False)) as server:
        async with api(server) as client:
            async with client.download_export("abc", offset=5000) as download:
                assert download.status == 200 and download.offset == 0 and not download.resumed
                assert download.total_size == len(ZIP)


async def test_a_wrong_content_range_is_refused():
    async with FaultServer(export_server(lie_about_range=True)) as server:
        async with api(server) as client:
            with pytest.raises(ProtocolError):
                async with client.download_export("abc", offset=5000):
                    pass


async def test_unavailable_before_the_headers_is_retried():
    sleep = SleepRecorder()
    async with FaultServer(export_server(unavailable_first=2)) as server:
        async with api(server, sleep) as client:
            async with client.download_export("abc") as download:
                received = bytearray()
                await download.pour(received.extend)
    body = bytes(received)
    assert body == ZIP and len(server.requests) == 3 and min(sleep.waits) >= 1.0


async def test_missing_export():
    async with FaultServer(export_server()) as server:
        async with api(server) as client:
            with pytest.raises(NotFound) as caught:
                async with client.download_export("../../etc/passwd"):
                    pass
    assert caught.value.code == "ExportNotFound"
    assert server.requests[0].route.startswith("/api/export/zip/..%2F")  # the id stays one path segment


def test_filename_from_disposition():
    assert filename_from_disposition(f"attachment; filename={NAME}") == NAME
    assert filename_from_disposition('attachment; filename="a b.zip"') == "a b.zip"
    assert filename_from_disposition("attachment; filename*=UTF-8''caf%C3%A9.zip") == "café.zip"
    assert filename_from_disposition("attachment; filename=../../evil.zip") == "evil.zip"
    assert filename_from_disposition("attachment; filename=..") is None
    assert filename_from_disposition(None) is None and filename_from_disposition("inline") is None


async def test_leaving_a_stalled_download_returns_at_once():
    """The body is read on a thread; leaving the download while that thread waits for bytes that never
    come must stop the read now, not when the read timeout (a minute) runs out."""

    def handler(request):
        return Reply(200, ZIP, {"Content-Disposition": f"attachment; filename={NAME}"}, stall_at=100_000)

    async with FaultServer(handler) as server:
        async with api(server) as client:
            received = bytearray()
            async with client.download_export("abc") as download:
                pouring = asyncio.ensure_future(download.pour(received.extend, 1))  # each piece as it comes
                deadline = time.monotonic() + 10
                while len(received) < 100_000 and not pouring.done():  # the rest of the body never comes
                    assert time.monotonic() < deadline, len(received)
                    await asyncio.sleep(0.01)
                started = time.monotonic()
                pouring.cancel()
            assert time.monotonic() - started < 5
            assert len(received) == 100_000 and pouring.cancelled()
            # The session still works afterwards (a new connection).
            async with client.download_export("abc") as download:
                assert download.total_size == len(ZIP)
