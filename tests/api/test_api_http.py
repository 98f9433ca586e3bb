"""Retries, timeouts and headers of the HTTP layer, against a real loopback server that misbehaves on
purpose (429 with Retry-After, 503, 500, 502, resets, silence)."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading

import httpx
import pytest
from fault_server import FaultServer, Reply, Reset, SleepRecorder, error_reply, json_reply

from tui import __version__
from tui.api.errors import (
    Conflict,
    NetworkError,
    RateLimited,
    RequestTimeout,
    ServerError,
    ServiceUnavailable,
    Target,
)
from tui.api.transport.http import HttpSession, Retry, RetryPolicy, parse_retry_after
from tui.api.transport.clients import CONVEX_CLIENT
from tui.api.secrets import Secret

FAST = httpx.Timeout(connect=2.0, read=0.5, write=2.0, pool=2.0)


def scripted(*replies):
    """A handler answering with `replies` in order, then 200 `{"ok": true}`."""
    queue = list(replies)

    def handler(request):
        return queue.pop(0) if queue else json_reply({"ok": True})

    return handler


def session(server: FaultServer, sleep: SleepRecorder, **kwargs) -> HttpSession:
    return HttpSession(
        server.url,
        target=Target("test-deployment"),
        authorization=Secret("Convex test|0123456789abcdef"),
        sleep=sleep,
        timeout=kwargs.pop("timeout", FAST),
        **kwargs,
    )


async def test_headers_and_success():
    sleep = SleepRecorder()
    async with FaultServer(scripted()) as server:
        http = session(server, sleep)
        assert await http.json("GET", "/api/thing") == {"ok": True}
        await http.aclose()
    headers = server.requests[0].headers
    assert headers["convex-client"] == CONVEX_CLIENT == f"convex-backups-{__version__}"
    assert headers["authorization"] == "Convex test|0123456789abcdef"
    assert sleep.waits == []


async def test_429_honours_retry_after():
    sleep = SleepRecorder()
    replies = [error_reply(429, "RateLimited", "slow down", **{"Retry-After": "3"}), Reply(503)]
    async with FaultServer(scripted(*replies)) as server:
        http = session(server, sleep)
        assert await http.json("POST", "/api/thing", json={}) == {"ok": True}  # SAFE: 429 and 503 retried
        await http.aclose()
    assert len(server.requests) == 3
    assert sleep.waits[0] >= 3.0  # never sooner than the server asked
    assert 0 <= sleep.waits[1] <= RetryPolicy().base_delay * 2


async def test_retry_after_beyond_the_policy_is_not_waited_for():
    sleep = SleepRecorder()
    async with FaultServer(scripted(error_reply(429, "RateLimited", "later", **{"Retry-After": "3600"}))) as server:
        http = session(server, sleep)
        with pytest.raises(RateLimited) as caught:
            await http.json("GET", "/api/thing")
        await http.aclose()
    assert caught.value.retry_after == 3600 and "3600 s" in str(caught.value)
    assert sleep.waits == [] and len(server.requests) == 1


async def test_attempts_are_bounded_with_full_jitter_backoff():
    sleep = SleepRecorder()
    policy = RetryPolicy(attempts=4, base_delay=0.5, max_delay=1.5)
    async with FaultServer(lambda r: Reply(503)) as server:
        http = session(server, sleep, retry=policy, rng=lambda: 1.0)  # the top of each jitter range
        with pytest.raises(ServiceUnavailable):
            await http.request("GET", "/api/thing")
        await http.aclose()
    assert len(server.requests) == 4
    assert sleep.waits == [0.5, 1.0, 1.5]  # base * 2^n, capped at max_delay


def test_backoff_is_full_jitter():
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    assert policy.backoff(3, lambda: 0.0) == 0.0
    assert policy.backoff(3, lambda: 0.5) == 2.0
    assert policy.backoff(10, lambda: 1.0) == 8.0


async def test_never_means_one_attempt():
    sleep = SleepRecorder()
    async with FaultServer(scripted(Reply(503), Reply(503))) as server:
        http = session(server, sleep)
        with pytest.raises(ServiceUnavailable):
            await http.request("POST", "/api/export/request/zip", retry=Retry.NEVER)
        await http.aclose()
    assert len(server.requests) == 1 and sleep.waits == []


async def test_500_is_not_retried_and_502_only_when_idempotent():
    sleep = SleepRecorder()
    async with FaultServer(scripted(error_reply(500, "InternalServerError", "boom"), Reply(502), Reply(502))) as server:
        http = session(server, sleep)
        with pytest.raises(ServerError) as caught:
            await http.request("GET", "/a")
        assert caught.value.status == 500 and "try again later" in str(caught.value)
        with pytest.raises(ServiceUnavailable):
            await http.request("POST", "/b", json={})  # SAFE: 502 might have reached the backend
        assert await http.json("GET", "/c") == {"ok": True}  # IDEMPOTENT: 502 retried
        await http.aclose()
    assert [r.route for r in server.requests] == ["/a", "/b", "/c", "/c"]


async def test_connection_reset_mid_body_is_retried_only_when_idempotent():
    sleep = SleepRecorder()
    truncated = Reply(200, b'{"ok": true, "padding": "' + b"x" * 5000 + b'"}', truncate_at=100)
    async with FaultServer(scripted(truncated, Reset(), json_reply({"padding": "xyz"}), truncated)) as server:
        http = session(server, sleep)
        response = await http.request("GET", "/api/query-like", retry=Retry.IDEMPOTENT)
        assert response.json()["padding"].startswith("x")
        with pytest.raises(NetworkError) as caught:
            await http.request("POST", "/api/import/finish_upload", json={}, retry=Retry.SAFE)
        await http.aclose()
    assert caught.value.code == "ConnectionDropped" and "dropped" in str(caught.value)
    assert [r.method for r in server.requests] == ["GET", "GET", "GET", "POST"]  # the POST is not retried


async def test_read_timeout():
    sleep = SleepRecorder()
    async with FaultServer(lambda r: Reply(200, {"late": True}, delay=1.5)) as server:
        http = session(server, sleep, retry=RetryPolicy(attempts=2))
        with pytest.raises(RequestTimeout) as caught:
            await http.request("GET", "/slow")
        assert isinstance(caught.value, TimeoutError) and caught.value.retryable
        with pytest.raises(RequestTimeout):
            await http.request("POST", "/slow", json={})  # SAFE: a timed-out POST may have run; not retried
        await http.aclose()
    assert [r.method for r in server.requests] == ["GET", "GET", "POST"]
    assert "did not answer in time" in str(caught.value)


async def test_connection_refused_is_retried_even_for_posts():
    sleep = SleepRecorder()
    async with FaultServer(scripted()) as server:
        url = server.url
    http = HttpSession(url, target=Target("gone"), sleep=sleep, retry=RetryPolicy(attempts=3), timeout=FAST)
    with pytest.raises(NetworkError) as caught:
        await http.request("POST", "/api/cancel_import", json={})
    await http.aclose()
    assert caught.value.code == "ConnectError" and "Could not connect to gone" in str(caught.value)
    assert len(sleep.waits) == 2  # nothing was sent, so retrying is safe


@pytest.mark.parametrize("streamed", [False, True], ids=["async client", "blocking client (download bodies)"])
async def test_an_untrusted_certificate_is_refused(tmp_path, streamed):
    """A server whose certificate no trusted authority signed gets no request, from either client."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subject = ["-subj", "/CN=127.0.0.1", "-days", "1", "-nodes"]
    made = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-keyout", str(key), "-out", str(cert), *subject]
    subprocess.run(made, check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))

    def handshake() -> None:
        connection, _ = listener.accept()
        try:
            context.wrap_socket(connection, server_side=True).close()
        except (ssl.SSLError, OSError):
            connection.close()

    thread = threading.Thread(target=handshake, daemon=True)
    thread.start()
    url = f"https://127.0.0.1:{listener.getsockname()[1]}"
    http = HttpSession(url, target=Target("self-signed"), sleep=SleepRecorder(), timeout=FAST)
    try:
        with pytest.raises(NetworkError) as caught:
            if streamed:
                async with http.stream("GET", "/api/export/zip/1", retry=Retry.NEVER):
                    pass
            else:
                await http.request("GET", "/version", retry=Retry.NEVER)
    finally:
        await http.aclose()
        thread.join(5)
        listener.close()
    assert caught.value.code == "ConnectError" and "certificate" in str(caught.value).lower()


async def test_accepted_statuses_and_conflicts():
    sleep = SleepRecorder()
    replies = [json_reply({"status": "error"}, 560), error_reply(400, "ExportInProgress", "busy")]
    async with FaultServer(scripted(*replies)) as server:
        http = session(server, sleep)
        assert (await http.request("POST", "/api/query", json={}, accept=(560,))).status_code == 560
        with pytest.raises(Conflict):
            await http.request("POST", "/api/export/request/zip", retry=Retry.NEVER)
        await http.aclose()


def test_parse_retry_after():
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0.0
