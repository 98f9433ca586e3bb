"""The deployment's ASGI app: every route module's routes, Convex-shaped errors, no secrets in logs."""

from __future__ import annotations

import functools
import importlib
import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from tui import __version__
from tui.emulator.deployment.deployment import Deployment
from tui.emulator.errors import ConvexError, internal
from tui.emulator.functions.registry import load_all
from tui.emulator.routes.common import error_response

log = logging.getLogger(__name__)

ROUTE_MODULES = (
    "tui.emulator.routes.exports",
    "tui.emulator.routes.imports",
    "tui.emulator.routes.functions",
    "tui.emulator.routes.env",
    "tui.emulator.routes.storage",
    "tui.emulator.routes.info",
    "tui.emulator.routes.state",
    "tui.emulator.routes.user_functions",
    "tui.emulator.routes.push",
    "tui.emulator.routes.sync",
)


@functools.cache
def _module_routes() -> tuple[BaseRoute, ...]:
    """Built once: the routes find their deployment through the request's app, so every deployment's app
    shares them (compiling them per deployment was a good part of the sandbox's start-up, issue 16)."""
    routes: list[BaseRoute] = []
    for name in ROUTE_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        routes.extend(module.routes())
    return tuple(routes)


async def _convex_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ConvexError)
    return error_response(exc)


async def _unexpected(request: Request, exc: Exception) -> Response:
    # Log the type and route only: a message could quote a request body or a key.
    log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return error_response(internal())


async def _root(request: Request) -> Response:
    return PlainTextResponse("This Convex deployment is running. See https://docs.convex.dev.")


def build_app(deployment: Deployment) -> Starlette:
    load_all()
    routes: list[BaseRoute] = [
        Route("/", _root),
        Route("/version", lambda r: PlainTextResponse(f"convex-backups-emulator-{__version__}")),
        Route("/instance_version", lambda r: PlainTextResponse(f"convex-backups-emulator-{__version__}")),
        Route("/instance_name", lambda r: PlainTextResponse(deployment.name)),
        *_module_routes(),
    ]
    app = Starlette(routes=routes, exception_handlers={ConvexError: _convex_error, Exception: _unexpected})
    app.state.deployment = deployment
    return app
