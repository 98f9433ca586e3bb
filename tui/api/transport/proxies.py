"""Which proxy a connection goes through, from the variables curl, httpx and the Convex CLI read:
`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (either case; read when a client is built).

Every client of this app hands httpx a transport of its own, and httpx then ignores these variables, so
they are applied here, for the async and blocking HTTP clients and the sync WebSocket alike. Loopback
addresses never go through a proxy: no proxy can reach this machine's sandbox. A proxy's password is a
secret: it is never shown (`ProxyRoutes` has no repr of its URLs; `passwords` feeds the scrubbing of
error texts).
"""

from __future__ import annotations

import ipaddress
import urllib.parse
import urllib.request
from collections.abc import Mapping

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
_SCHEMES = {"http": "http", "ws": "http", "https": "https", "wss": "https"}


class ProxyRoutes:
    def __init__(self, variables: Mapping[str, str] | None = None):
        """`variables` as `urllib.request.getproxies_environment()` gives them (the default)."""
        self._variables = dict(urllib.request.getproxies_environment() if variables is None else variables)
        fallback = self._variables.get("all")
        self._by_scheme = {
            scheme: _with_scheme(self._variables.get(scheme) or fallback) for scheme in ("http", "https")
        }

    def __repr__(self) -> str:
        used = sorted(scheme for scheme, proxy in self._by_scheme.items() if proxy)
        return f"ProxyRoutes(for={used})"

    def for_url(self, scheme: str, host: str, port: int | None = None) -> str | None:
        """The proxy URL for a connection to `scheme://host:port`, or None to connect directly."""
        proxy = self._by_scheme.get(_SCHEMES.get(scheme, scheme))
        if not proxy or is_loopback(host):
            return None
        address = f"{host}:{port}" if port else host
        # CPython's urllib.request has it (the `no_proxy` matching `getproxies_environment` pairs with), but it
        # is undocumented, so typeshed does not declare it.
        if urllib.request.proxy_bypass_environment(address, self._variables):  # type: ignore[attr-defined]
            return None
        return proxy

    @property
    def passwords(self) -> list[str]:
        found = []
        for proxy in self._by_scheme.values():
            password = urllib.parse.urlsplit(proxy).password if proxy else None
            if password:
                found.append(urllib.parse.unquote(password))
        return found


def is_loopback(host: str) -> bool:
    name = host.strip("[]").lower()
    if name in _LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _with_scheme(proxy: str | None) -> str | None:
    """`proxy:3128` means `http://proxy:3128`, as it does to curl."""
    if not proxy:
        return None
    return proxy if "://" in proxy else f"http://{proxy}"
