"""Shared pieces of the deployment's HTTP routes: auth, JSON bodies, thread offloading."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from tui.emulator.deployment.auth import AdminIdentity
from tui.emulator.errors import ConvexError, bad_request

if TYPE_CHECKING:
    from tui.emulator.deployment.deployment import Deployment

T = TypeVar("T")


def deployment_of(request: Request) -> Deployment:
    return request.app.state.deployment


def admin(request: Request, action: str | None) -> AdminIdentity:
    """The caller's admin identity, checked for `action`; raises Convex's auth errors."""
    identity = deployment_of(request).authenticate(
        request.headers.get("authorization"), request.query_params.get("adminKey")
    )
    identity.require(action)
    return identity


async def json_body(request: Request, *, required: bool = True) -> Any:
    """The JSON body; Convex insists on `Content-Type: application/json` (400 BadJsonBody otherwise)."""
    raw = await request.body()
    if not raw and not required:
        return None
    content_type = request.headers.get("content-type", "")
    if not content_type.split(";")[0].strip().lower() == "application/json":
        raise bad_request("BadJsonBody", "Expected Content-Type: application/json.")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise bad_request("BadJsonBody", f"The request body is not valid JSON: {exc}") from None


def bool_param(request: Request, name: str, default: bool = False) -> bool:
    value = request.query_params.get(name)
    if value is None:
        return default
    if value in ("true", "false"):
        return value == "true"
    raise bad_request("BadQueryArgs", f"Query parameter {name!r} must be true or false, not {value!r}.")


async def in_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """SQLite and ZIP work is blocking: keep it off the event loop."""
    return await run_in_threadpool(fn, *args, **kwargs)


def json_response(value: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(value), status_code=status, media_type="application/json")


def empty_response() -> Response:
    return Response(b"", status_code=200)


def error_response(exc: ConvexError) -> Response:
    return json_response(exc.body(), exc.status)
