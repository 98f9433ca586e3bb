"""Pause and unpause, the deployment audit log, and an
emulator-only route that plays Convex setting `system` / `usage_limit` (for tests and demos)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tui.emulator.deployment import audit_log
from tui.emulator.deployment import backend_state
from tui.emulator.deployment.auth import PAUSE_DEPLOYMENT, UNPAUSE_DEPLOYMENT, VIEW_AUDIT_LOG
from tui.emulator.errors import ConvexError, bad_request
from tui.emulator.routes.common import admin, deployment_of, empty_response, in_thread, json_body, json_response


async def pause(request: Request) -> Response:
    admin(request, PAUSE_DEPLOYMENT)
    await in_thread(backend_state.pause, deployment_of(request))
    return empty_response()


async def unpause(request: Request) -> Response:
    admin(request, UNPAUSE_DEPLOYMENT)
    await in_thread(backend_state.unpause, deployment_of(request))
    return empty_response()


def _int_param(request: Request, name: str, default: int | None, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        if default is None:
            raise bad_request("BadQueryArgs", f"Missing query parameter {name!r}.")
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request("BadQueryArgs", f"Query parameter {name!r} must be an integer.") from None
    if not low <= value <= high:
        raise bad_request("BadQueryArgs", f"Query parameter {name!r} must be between {low} and {high}.")
    return value


async def list_audit_log_events(request: Request) -> Response:
    """`?from=<ms>&limit=&cursor=` → `{items, pagination: {hasMore, nextCursor?}}`, oldest first."""
    admin(request, VIEW_AUDIT_LOG)
    from_ms = _int_param(request, "from", None, 0, 2**53)
    limit = _int_param(request, "limit", audit_log.DEFAULT_LIMIT, 1, audit_log.MAX_LIMIT)
    cursor = _int_param(request, "cursor", 0, 0, 2**53)
    conn = deployment_of(request).db.connection
    items, has_more = await in_thread(lambda: audit_log.page(conn(), from_ms=from_ms, cursor=cursor, limit=limit))
    pagination: dict = {"hasMore": has_more}
    if has_more:
        pagination["nextCursor"] = str(cursor + limit)
    return json_response({"items": items, "pagination": pagination})


async def set_convex_state(request: Request) -> Response:
    """`{"system"?: ..., "usage_limit"?: ...}`; only the full admin key, like the throttle route."""
    identity = admin(request, None)
    if identity.allowed_actions is not None:
        raise ConvexError(403, "OperationNotPermitted", "Only the deployment's admin key may set Convex's stop state.")
    body = await json_body(request)
    if not isinstance(body, dict) or not body:
        raise bad_request("BadJsonBody", 'Expected {"system"?: ..., "usage_limit"?: ...}.')
    return json_response(await in_thread(backend_state.set_convex_fields, deployment_of(request), body))


def routes() -> list[Route]:
    return [
        Route("/api/v1/pause_deployment", pause, methods=["POST"]),
        Route("/api/v1/unpause_deployment", unpause, methods=["POST"]),
        Route("/api/v1/list_audit_log_events", list_audit_log_events, methods=["GET"]),
        Route("/api/_emulator/backend_state", set_convex_state, methods=["POST"]),
    ]
