"""httpx's transport failures (no connection, a timeout, a connection that dropped) as this app's typed
errors, each saying what to do, scrubbed of credentials."""

from __future__ import annotations

from collections.abc import Iterable

import httpx

from tui.api.errors import NetworkError, RequestTimeout, Target
from tui.api.secrets import Secret, scrub


# (httpx's failure, this app's code, what to tell the operator), most specific first; `{target}` is filled in.
_TIMEOUTS = (
    (
        httpx.ConnectTimeout,
        "ConnectTimeout",
        "{target} did not accept a connection in time: check the URL and the network.",
    ),
    (httpx.PoolTimeout, "PoolTimeout", "Too many requests to {target} are waiting: try again in a moment."),
    (httpx.WriteTimeout, "WriteTimeout", "{target} stopped accepting data in time: check the network and try again."),
    (httpx.TimeoutException, "ReadTimeout", "{target} did not answer in time: it may be overloaded; try again."),
)


def transport_error(exc: httpx.TransportError, target: Target, secrets: Iterable[str | Secret | None]) -> NetworkError:
    """The typed error for an httpx transport failure (the URL's query string is never included)."""
    cause = scrub(str(exc) or type(exc).__name__, secrets)
    for kind, code, text in _TIMEOUTS:
        if isinstance(exc, kind):
            return RequestTimeout(text.format(target=target), code=code, detail=cause, secrets=secrets)
    if isinstance(exc, httpx.ConnectError):
        return NetworkError(
            f"Could not connect to {target} ({cause}): check the URL and the network.",
            code="ConnectError",
            detail=cause,
            secrets=secrets,
        )
    return NetworkError(
        f"The connection to {target} dropped before the answer was complete ({cause}): try again.",
        code="ConnectionDropped",
        detail=cause,
        secrets=secrets,
    )
