"""Plumbing shared by the platform's routes: authenticate, read the JSON body, run the work off the
event loop (SQLite and file copies block), answer JSON, `null` or an empty body."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from tui.emulator.errors import bad_request
from tui.emulator.routes.common import empty_response, in_thread, json_body, json_response
from tui.emulator.platform.access import token_scopes
from tui.emulator.platform.access.bearer_auth import Principal, authenticate

if TYPE_CHECKING:
    from tui.emulator.platform.service import Platform

EMPTY: Any = object()  # return this for an empty 200 body (JSON `null` is `None`)


@dataclass
class Call:
    platform: Platform
    principal: Principal | None
    path: Mapping[str, str]
    query: Mapping[str, str]
    body: Any
    headers: Mapping[str, str]

    @property
    def conn(self) -> sqlite3.Connection:
        return self.platform.store.conn()

    @property
    def caller(self) -> Principal:
        """Who the bearer token says is calling: every route but the two `auth=False` ones has one."""
        if self.principal is None:
            raise RuntimeError("this route was registered with auth=False")
        return self.principal

    def int_path(self, name: str) -> int:
        value = self.path[name]
        if not value.isdigit() or len(value) > 18:
            raise bad_request("BadPathArgs", f"`{name}` must be a non-negative integer, not {value!r}.")
        return int(value)


def endpoint(fn: Callable[[Call], Any], *, auth: bool = True, body: bool = False) -> Callable:
    """A Starlette handler running `fn(call)` in a worker thread after authenticating the bearer token
    (and refusing a kind of token the route is not for: access/token_scopes.py)."""

    async def handle(request: Request) -> Response:
        platform = request.app.state.platform
        authorization = request.headers.get("authorization")
        principal = None
        if auth:
            principal = await in_thread(lambda: authenticate(platform.store.conn(), authorization))
            token_scopes.check(principal, request.url.path)
        if platform.refusals.active:
            # The test switches (refusals.py): a route or a team that refuses, as Convex may.
            await in_thread(
                lambda: platform.refusals.check(platform.store.conn(), request.url.path, dict(request.path_params))
            )
        payload = await json_body(request, required=False) if body else None
        call = Call(platform, principal, request.path_params, request.query_params, payload, request.headers)
        result = await in_thread(fn, call)
        if isinstance(result, Response):
            return result
        if result is EMPTY:
            return empty_response()
        return json_response(result)

    handle.__name__ = fn.__name__
    return handle


def int_query(call: Call, name: str, default: int, low: int, high: int) -> int:
    value = call.query.get(name)
    if value is None:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise bad_request("BadQueryArgs", f"`{name}` must be an integer from {low} to {high}, not {value!r}.")
    return int(value)


def bool_query(call: Call, name: str) -> bool | None:
    value = call.query.get(name)
    if value is None:
        return None
    if value not in ("true", "false"):
        raise bad_request("BadQueryArgs", f"`{name}` must be true or false, not {value!r}.")
    return value == "true"


def paginate(call: Call, items: list[dict[str, Any]], *, default_limit: int = 100) -> dict[str, Any]:
    """`{items, pagination: {hasMore, nextCursor?}}` over items already in order; the cursor is the
    position after the last item returned (opaque to clients)."""
    limit = int_query(call, "limit", default_limit, 1, 100)
    cursor = call.query.get("cursor")
    start = 0
    if cursor:
        if not cursor.isdigit():
            raise bad_request("BadQueryArgs", f"Invalid cursor {cursor!r}.")
        start = int(cursor)
    page = items[start : start + limit]
    has_more = start + limit < len(items)
    pagination: dict[str, Any] = {"hasMore": has_more}
    if has_more:
        pagination["nextCursor"] = str(start + limit)
    return {"items": page, "pagination": pagination}
