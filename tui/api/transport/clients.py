"""How every httpx client of this app is built: the `Convex-Client` and `User-Agent` headers, timeouts on
every phase, no redirects (they must not carry the Authorization header anywhere), bounded pools, the
environment's proxies (`proxies`). The async client serves every request; the blocking one reads large
download bodies on a worker thread."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from tui import __version__
from tui.api.transport.proxies import ProxyRoutes
from tui.api.secrets import Secret
from tui.api.transport.tls import tls_verify

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
    proxies: ProxyRoutes | None = None,
) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` configured the way every client of this app must be."""
    return httpx.AsyncClient(
        transport=transport or SchemeTransport(POOL_LIMITS, proxies or ProxyRoutes()),
        **_client_options(base_url, authorization, timeout, headers),
    )


def build_blocking_client(
    base_url: str,
    *,
    authorization: Secret | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    proxies: ProxyRoutes | None = None,
) -> httpx.Client:
    """The same, blocking: for large response bodies read on a worker thread (see `threaded_body`), on
    httpx's own blocking transport."""
    url = httpx.URL(base_url)
    proxy = (proxies or ProxyRoutes()).for_url(url.scheme, url.host, url.port)
    transport = httpx.HTTPTransport(verify=tls_verify(url.scheme), limits=POOL_LIMITS, proxy=proxy)
    return httpx.Client(transport=transport, **_client_options(base_url, authorization, timeout, None))


class SchemeTransport(httpx.AsyncBaseTransport):
    """httpx's transport, made for each scheme (and proxy) on first use: a client of an http:// origin (the
    loopback sandbox) never loads the CA bundle, https:// verifies with the shared `tls_context()`, and
    a proxy from the environment is used where `ProxyRoutes` says so."""

    def __init__(self, limits: httpx.Limits, proxies: ProxyRoutes) -> None:
        self._limits = limits
        self._proxies = proxies
        self._transports: dict[tuple[str, str | None], httpx.AsyncHTTPTransport] = {}

    def _for(self, url: httpx.URL) -> httpx.AsyncHTTPTransport:
        proxy = self._proxies.for_url(url.scheme, url.host, url.port)
        key = (url.scheme, proxy)
        if key not in self._transports:
            self._transports[key] = httpx.AsyncHTTPTransport(
                verify=tls_verify(url.scheme), limits=self._limits, proxy=proxy
            )
        return self._transports[key]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._for(request.url).handle_async_request(request)

    async def aclose(self) -> None:
        transports, self._transports = list(self._transports.values()), {}
        for transport in transports:
            await transport.aclose()


def _client_options(
    base_url: str, authorization: Secret | None, timeout: httpx.Timeout, headers: Mapping[str, str] | None
) -> dict[str, Any]:
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
    sockets and streams: some 30-40 ms) while the sandbox may still be starting (`Session.open`)."""
    import anyio.abc  # noqa: F401
    import httpcore  # noqa: F401
    from anyio import connect_tcp, create_memory_object_stream  # noqa: F401
    from anyio.streams import stapled, tls  # noqa: F401
