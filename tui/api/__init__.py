"""Async clients for Convex: a deployment's API (`DeploymentClient`, `SyncClient` for live values), the
control plane (`PlatformClient`), typed models, typed errors, and finding the operator's credentials.

By feature: `transport/` (HTTP), `platform/` (big brain), `deployment/` (a deployment's API),
`credentials/`; and here the errors, secrets, models and tolerant readers of Convex's JSON they share.

May import `tui.values` (the value encoding it shares with `tui.archive`); never `tui.archive`,
`tui.services`, the UI, `tui.emulator` or textual.

The names below are loaded when first used (PEP 562): importing one light module of this package, such
as `tui.api.secrets`, must not import httpx and every client (the app's start-up waits on imports).
"""

import sys
from importlib import import_module
from typing import Any

# httpx's package imports its command-line tool (click, pygments, rich: 60-120 ms of every command's
# start-up, measured) unless that import fails, in which case it defines a stub `httpx.main`. This app never
# runs that tool (the `httpx` command, a separate process, is unaffected); a None entry makes the import fail.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

_WHERE = {
    "Credentials": "credentials.finder",
    "find_credentials": "credentials.finder",
    "DeploymentClient": "deployment.client",
    "CONVEX_CLIENT": "transport.clients",
    "Retry": "transport.http",
    "RetryPolicy": "transport.http",
    "PlatformClient": "platform.client",
    "Secret": "secrets",
    "SyncClient": "deployment.sync_client",
    **{
        name: "errors"
        for name in (
            "AuthError",
            "Conflict",
            "ConvexApiError",
            "CredentialsError",
            "FunctionError",
            "ImportFailed",
            "InvalidRequest",
            "NetworkError",
            "NotFound",
            "PermissionDenied",
            "PlanLimit",
            "ProtocolError",
            "RateLimited",
            "RequestTimeout",
            "ServerError",
            "ServiceUnavailable",
            "StateError",
        )
    },
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
