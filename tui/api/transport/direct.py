"""An httpx transport on the standard library's `http.client`, for the blocking client that reads large
download bodies (`http_clients.build_blocking_client`; everything else goes through httpx's own).

httpx's transport passes every body byte through h11 and httpcore, which copy it three more times on its
way (into h11's buffer, out of it, into `bytes`): for a 1 GB backup that was about 1.2 s of CPU, twice what
this takes, on a machine where the download competes for its two cores with hashing and checking. Here
each piece is one socket read, straight into the `bytes` handed on (`HTTPResponse.read1`); what arrived
before a failure has been handed on before the failure is raised.

Each request gets a connection of its own, closed with its response: the blocking client reads one
download body at a time, so there is nothing to pool. Failures are raised as httpx's exceptions, so the
session retries and words them exactly as it does httpx's transport's. A body that ends before its
Content-Length is an error (`http.client` alone would report a short body as complete). Like any transport
given to httpx explicitly, this one takes no proxy from the environment.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from tui.api.transport.tls import tls_context

# The most one socket read of the body asks for. A read gets what has arrived, up to this: on a fast link
# 1 MiB reads took 0.35-0.45 s of the reading thread's CPU per GB against 0.65-0.7 with 256 KiB reads
# (fewer, larger pieces to pass on; measured on this project's 2-core VM).
PIECE = 1 << 20


class DirectTransport(httpx.BaseTransport):
    def __init__(self, context: Callable[[], ssl.SSLContext] = tls_context) -> None:
        self._context = context

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {url.scheme!r}", request=request)
        timeouts = request.extensions.get("timeout", {})
        port = url.port or (443 if url.scheme == "https" else 80)
        if url.scheme == "https":
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                url.host, port, timeout=timeouts.get("connect"), context=self._context()
            )
        else:
            connection = http.client.HTTPConnection(url.host, port, timeout=timeouts.get("connect"))
        try:
            with _as_httpx_error(request, httpx.ConnectTimeout, httpx.ConnectError):
                connection.connect()
            sock = connection.sock  # kept: `getresponse` forgets it when the server will close the connection
            with _as_httpx_error(request, httpx.WriteTimeout, httpx.WriteError):
                connection.sock.settimeout(timeouts.get("write"))
                connection.putrequest(
                    request.method, url.raw_path.decode("ascii"), skip_host=True, skip_accept_encoding=True
                )
                for name, value in request.headers.raw:
                    connection.putheader(name.decode("latin-1"), value)
                connection.endheaders(request.read() or None)
            with _as_httpx_error(request, httpx.ReadTimeout, httpx.ReadError):
                connection.sock.settimeout(timeouts.get("read"))
                reply = connection.getresponse()
        except BaseException:
            connection.close()
            raise
        return httpx.Response(
            reply.status,
            headers=[(name.encode("latin-1"), value.encode("latin-1")) for name, value in reply.getheaders()],
            stream=_Body(request, connection, reply),
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": reply.reason.encode("latin-1", "replace"),
                "network_stream": _Socket(sock),
            },
        )


class _Body(httpx.SyncByteStream):
    def __init__(
        self, request: httpx.Request, connection: http.client.HTTPConnection, reply: http.client.HTTPResponse
    ) -> None:
        self._request = request
        self._connection = connection
        self._reply = reply

    def __iter__(self) -> Iterator[bytes]:
        reply = self._reply
        while True:
            with _as_httpx_error(self._request, httpx.ReadTimeout, httpx.ReadError):
                piece = reply.read1(PIECE)
            if not piece:
                if reply.length:  # `http.client` counts down what Content-Length promised
                    raise httpx.RemoteProtocolError(
                        f"the connection closed {reply.length} bytes before the end of the body", request=self._request
                    )
                return
            yield piece

    def close(self) -> None:
        self._reply.close()
        self._connection.close()


class _Socket:
    """What `ThreadedBody` asks of `extensions["network_stream"]`: the socket (to shut it down and so
    wake a read that is waiting)."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def get_extra_info(self, info: str) -> Any:
        return self._sock if info == "socket" else None


@contextmanager
def _as_httpx_error(
    request: httpx.Request, timeout: type[httpx.TimeoutException], failure: type[httpx.TransportError]
) -> Iterator[None]:
    try:
        yield
    except (TimeoutError, socket.timeout) as exc:
        raise timeout(str(exc) or "timed out", request=request) from exc
    except ssl.SSLError as exc:  # before ValueError: a failed certificate check is both
        raise failure(str(exc) or type(exc).__name__, request=request) from exc
    except (http.client.HTTPException, ValueError) as exc:  # a malformed status line or header
        raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__, request=request) from exc
    except OSError as exc:  # refused, reset, unreachable, TLS failures (ssl.SSLError is an OSError)
        raise failure(str(exc) or type(exc).__name__, request=request) from exc
