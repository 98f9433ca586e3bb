"""A tiny real HTTP/1.1 server on 127.0.0.1 that misbehaves on purpose (for faults the emulator cannot
produce): it answers each request with whatever the test's handler returns, including a connection reset
in the middle of a body or no answer at all. It runs in the test's own event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import orjson
from loopback_test_server import LoopbackTestServer


@dataclass
class Request:
    method: str
    path: str  # with the query string
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def route(self) -> str:
        return self.path.split("?", 1)[0]

    def json(self):
        return orjson.loads(self.body) if self.body else None


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict | list | None = b""
    headers: dict[str, str] = field(default_factory=dict)
    truncate_at: int | None = None  # send only this many body bytes, then reset the connection
    stall_at: int | None = None  # send only this many body bytes, then nothing more (the connection stays open)
    delay: float = 0.0  # wait before answering (a server that is too slow)


class Reset:
    """Reset the connection without answering."""


Handler = Callable[[Request], Awaitable[Reply | Reset] | Reply | Reset]

REASONS = {
    200: "OK",
    206: "Partial Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    416: "Range Not Satisfiable",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class FaultServer(LoopbackTestServer):
    def __init__(self, handler: Handler):
        super().__init__()
        self.handler = handler
        self.requests: list[Request] = []

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                self.requests.append(request)
                outcome = self.handler(request)
                if asyncio.iscoroutine(outcome):
                    outcome = await outcome
                if isinstance(outcome, Reset):
                    writer.transport.abort()
                    return
                if outcome.delay:
                    await asyncio.sleep(outcome.delay)
                if not await _write_reply(writer, outcome, head_only=request.method == "HEAD"):
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            if not writer.transport.is_closing():
                writer.close()


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    line = await reader.readline()
    if not line:
        return None
    method, path, _ = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while True:
        header = (await reader.readline()).decode("latin-1").rstrip("\r\n")
        if not header:
            break
        name, _, value = header.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    body = await reader.readexactly(length) if length else b""
    return Request(method, path, headers, body)


async def _write_reply(writer: asyncio.StreamWriter, reply: Reply, *, head_only: bool) -> bool:
    """Write the reply; False when the connection was reset on purpose."""
    body = reply.body
    if isinstance(body, (dict, list)):
        body = orjson.dumps(body)
        reply.headers.setdefault("Content-Type", "application/json")
    elif body is None:
        body = b""
    elif isinstance(body, str):
        body = body.encode()
    head = [f"HTTP/1.1 {reply.status} {REASONS.get(reply.status, 'Status')}"]
    headers = {"Content-Length": str(len(body)), **reply.headers}
    head += [f"{k}: {v}" for k, v in headers.items()]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
    if head_only:
        await writer.drain()
        return True
    if reply.stall_at is not None:
        writer.write(body[: reply.stall_at])
        await writer.drain()
        while not writer.transport.is_closing():  # until the client or the server's exit closes it
            await asyncio.sleep(0.05)
        return False
    if reply.truncate_at is not None:
        writer.write(body[: reply.truncate_at])
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.transport.abort()
        return False
    writer.write(body)
    await writer.drain()
    return True


def json_reply(data, status: int = 200, **headers: str) -> Reply:
    return Reply(status, orjson.dumps(data), {"Content-Type": "application/json", **headers})


def error_reply(status: int, code: str, message: str, **headers: str) -> Reply:
    return json_reply({"code": code, "message": message}, status, **headers)


class SleepRecorder:
    """An injectable `sleep` that records the waits and returns at once."""

    def __init__(self):
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)
