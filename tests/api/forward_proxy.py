"""A small real HTTP proxy on 127.0.0.1, in the test's event loop: absolute-form requests are forwarded
(one request per connection, `Connection: close` upstream) and CONNECT opens a tunnel, as a corporate
proxy would. Host names are looked up in `hosts`, not in DNS, so a test can name the sandbox
`sandbox.test`: a client that went around the proxy could not reach it at all."""

from __future__ import annotations

import asyncio
import base64
from urllib.parse import urlsplit

from loopback_test_server import LoopbackTestServer


class ForwardProxy(LoopbackTestServer):
    def __init__(self, hosts: dict[str, tuple[str, int]], *, credentials: tuple[str, str] | None = None):
        super().__init__()
        self.hosts = hosts
        self.credentials = credentials
        self.seen: list[tuple[str, str]] = []  # (method, target) of every request the proxy took
        self.refused = 0  # requests without the right Proxy-Authorization

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *header_lines = head.decode("latin-1").split("\r\n")[:-2]
            method, target, version = request_line.split(" ")
            headers = [line.split(":", 1) for line in header_lines]
            if not self._authorized(headers):
                self.refused += 1
                writer.write(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n"
                    b"Content-Length: 0\r\nConnection: close\r\n\r\n"
                )
                await writer.drain()
                return
            self.seen.append((method, target))
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                upstream_reader, upstream_writer = await asyncio.open_connection(*self._address(host, int(port)))
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:
                url = urlsplit(target)
                upstream_reader, upstream_writer = await asyncio.open_connection(
                    *self._address(url.hostname or "", url.port or 80)
                )
                path = url.path + (f"?{url.query}" if url.query else "")
                kept = [
                    f"{name}:{value}"
                    for name, value in headers
                    if not name.lower().startswith("proxy-") and name.lower() != "connection"
                ]
                upstream_writer.write(
                    "\r\n".join([f"{method} {path} {version}", *kept, "Connection: close", "", ""]).encode("latin-1")
                )
            await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    def _authorized(self, headers: list[list[str]]) -> bool:
        if self.credentials is None:
            return True
        expected = "Basic " + base64.b64encode(":".join(self.credentials).encode()).decode()
        return any(name.lower() == "proxy-authorization" and value.strip() == expected for name, value in headers)

    def _address(self, host: str, port: int) -> tuple[str, int]:
        return self.hosts.get(f"{host}:{port}") or self.hosts[host]


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(1 << 16):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()
