"""How every httpx client of this app is built: the `Convex-Client` and `User-Agent` headers, timeouts on
every phase, no redirects (they must not carry the Authorization header anywhere), bounded pools. The
async client serves every request; the blocking one reads large download bodies on a worker thread."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from tui import __version__
from tui.api.secrets import Secret
from tui.api.tls import tls_context

CONVEX_CLIENT = f"convex-backups-{__version__}"
USER_AGENT = f"convex-backups/{__version__}"
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=60.0, pool=15.0)
POOL_LIMITS = httpx.Limits(max_connections=16, max_keepalive_connections=8)


def build_client(
    base_url: str,
    *,
    authorization: Secret | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    headers: Mapping[str, str] | None = None,
) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` configured the way every client of this app must be."""
    return httpx.AsyncClient(transport=transport or SchemeTransport(POOL_LIMITS),
                             **_client_options(base_url, authorization, timeout, headers))


def build_blocking_client(
    base_url: str, *, authorization: Secret | None = None, timeout: httpx.Timeout = DEFAULT_TIMEOUT
) -> httpx.Client:
    """The same, blocking: for large response bodies read on a worker thread (see `threaded_body`), through
    `http.client`, which reads a body straight into the buffers handed on (`direct_transport`)."""
    from tui.api.direct_transport import DirectTransport

    # One connection per response: nothing to pool.
    return httpx.Client(transport=DirectTransport(), **_client_options(base_url, authorization, timeout, None))


class SchemeTransport(httpx.AsyncBaseTransport):
    """httpx's transport, made for each scheme on first use: a client of an http:// origin (the loopback
    sandbox) never loads the CA bundle, and https:// verifies with the shared `tls_context()`."""

    def __init__(self, limits: httpx.Limits) -> None:
        self._limits = limits
        self._by_scheme: dict[str, httpx.AsyncHTTPTransport] = {}

    def _for(self, scheme: str) -> httpx.AsyncHTTPTransport:
        if scheme not in self._by_scheme:
            # verify=False makes a context without loading certificates; plain http never uses it.
            verify = tls_context() if scheme != "http" else False
            self._by_scheme[scheme] = httpx.AsyncHTTPTransport(verify=verify, limits=self._limits)
        return self._by_scheme[scheme]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._for(request.url.scheme).handle_async_request(request)

    async def aclose(self) -> None:
        transports, self._by_scheme = list(self._by_scheme.values()), {}
        for transport in transports:
            await transport.aclose()


def _client_options(base_url: str, authorization: Secret | None, timeout: httpx.Timeout,
                    headers: Mapping[str, str] | None) -> dict[str, Any]:
    all_headers = {"Convex-Client": CONVEX_CLIENT, "User-Agent": USER_AGENT, **(headers or {})}
    if authorization:
        all_headers["Authorization"] = authorization.reveal()
    return {
        "base_url": base_url,
        "headers": all_headers,
        "timeout": timeout,
        "follow_redirects": False,  # a redirect must not carry the Authorization header anywhere
    }


def preload() -> None:
    """Import what the first request would otherwise import (httpx's connection pool, httpcore, and anyio's
    sockets and streams: some 30-40 ms), so that it loads with the collector paused (`Session.open`), and
    while the sandbox may still be starting."""
    import anyio.abc  # noqa: F401
    import httpcore  # noqa: F401
    from anyio import connect_tcp, create_memory_object_stream  # noqa: F401
    from anyio.streams import stapled, tls  # noqa: F401
