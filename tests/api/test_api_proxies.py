"""Proxies from the environment (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY): API requests, the blocking
download client and the sync WebSocket all go through a real proxy on loopback to a sandbox named
`sandbox.test`, which only the proxy can resolve; loopback addresses never use a proxy; a proxy's password
shows nowhere."""

from __future__ import annotations

import asyncio
import hashlib
import time
from urllib.parse import urlsplit

import pytest
from forward_proxy import ForwardProxy

from tui.api.deployment.client import DeploymentClient
from tui.api.errors import ConvexApiError
from tui.api.transport.proxies import ProxyRoutes, is_loopback
from tui.api.deployment.sync_client import SyncClient
from tui.services.downloads.downloader import download_export

PROXY_VARIABLES = [
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
]


@pytest.fixture(autouse=True)
def clean_proxy_environment(monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def proxied(deployment) -> tuple[str, dict[str, tuple[str, int]]]:
    """The sandbox under a name only the proxy knows, and the proxy's table for it."""
    port = urlsplit(deployment.url).port
    return f"http://sandbox.test:{port}", {"sandbox.test": ("127.0.0.1", port)}


async def completed_export(api: DeploymentClient):
    await api.request_export(include_storage=True)
    deadline = time.monotonic() + 30
    while (export := await api.latest_export()) is None or not export.is_terminal:
        assert time.monotonic() < deadline, "the export did not finish"
        await asyncio.sleep(0.05)
    assert export.state == "completed"
    return export


async def test_requests_and_downloads_go_through_the_proxy(deployment, monkeypatch, tmp_path):
    url, hosts = proxied(deployment)
    async with ForwardProxy(hosts) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        async with DeploymentClient(url, deployment.key, name=deployment.name) as api:
            assert await api.instance_name() == deployment.name
            export = await completed_export(api)
            result = await download_export(api, export.id, folder=tmp_path)
    assert result.size == export.size
    assert hashlib.sha256(result.path.read_bytes()).hexdigest() == result.sha256
    targets = [target for _, target in proxy.seen]
    assert any(target.startswith(f"{url}/api/export/zip/") for target in targets)  # the blocking client
    assert all(target.startswith(url) for target in targets)


async def test_the_sync_websocket_goes_through_the_proxy(deployment, monkeypatch):
    url, hosts = proxied(deployment)
    async with ForwardProxy(hosts) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        sync = SyncClient(url, deployment.key)
        async with sync.watch_latest_export() as values:
            await values.next(10)
    assert ("CONNECT", url.removeprefix("http://")) in proxy.seen


async def test_a_proxy_that_wants_a_password_gets_it_and_the_password_shows_nowhere(deployment, monkeypatch):
    url, hosts = proxied(deployment)
    password = "proxy-pass-do-not-show-91"
    async with ForwardProxy(hosts, credentials=("ops", password)) as proxy:
        host = proxy.url.removeprefix("http://")
        monkeypatch.setenv("HTTP_PROXY", f"http://ops:{password}@{host}")
        async with DeploymentClient(url, deployment.key) as api:
            assert await api.instance_name() == deployment.name
            assert password not in repr(api)
        assert proxy.refused == 0 and proxy.seen

        monkeypatch.setenv("HTTP_PROXY", f"http://ops:wrong-{password}@{host}")
        async with DeploymentClient(url, deployment.key) as api:
            with pytest.raises(ConvexApiError) as caught:
                await api.instance_name()
        assert proxy.refused >= 1
    shown = " ".join([str(caught.value), repr(caught.value), caught.value.detail or "", repr(ProxyRoutes())])
    assert password not in shown and "407" in shown


async def test_loopback_never_goes_through_a_proxy(deployment, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    async with DeploymentClient(deployment.url, deployment.key) as api:
        assert await api.instance_name() == deployment.name
        async with SyncClient(deployment.url, deployment.key).watch_latest_export() as values:
            await values.next(10)


@pytest.mark.parametrize(
    "variables,scheme,host,expected",
    [
        ({"https": "http://proxy:3128"}, "https", "api.convex.dev", "http://proxy:3128"),
        ({"https": "proxy:3128"}, "https", "api.convex.dev", "http://proxy:3128"),  # as curl reads it
        ({"https": "http://proxy:3128"}, "http", "example.com", None),
        ({"all": "http://proxy:3128"}, "http", "example.com", "http://proxy:3128"),
        ({"https": "http://proxy:3128"}, "wss", "happy-otter-123.convex.cloud", "http://proxy:3128"),
        ({"https": "http://proxy:3128", "no": "convex.cloud"}, "https", "happy-otter-123.convex.cloud", None),
        ({"https": "http://proxy:3128", "no": "*"}, "https", "api.convex.dev", None),
        ({"all": "http://proxy:3128"}, "http", "127.0.0.1", None),
        ({"all": "http://proxy:3128"}, "http", "localhost", None),
        ({"all": "http://proxy:3128"}, "http", "[::1]", None),
    ],
)
def test_which_connections_use_which_proxy(variables, scheme, host, expected):
    assert ProxyRoutes(variables).for_url(scheme, host, 443) == expected


def test_loopback_names():
    assert all(is_loopback(name) for name in ("127.0.0.1", "127.8.9.1", "::1", "[::1]", "localhost", "a.localhost"))
    assert not any(is_loopback(name) for name in ("10.0.0.1", "api.convex.dev", "localhost.example.com"))
