"""The platform's ASGI app and its loopback server (its own port, beside the deployments')."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from tui import __version__
from tui.emulator.errors import ConvexError, internal
from tui.emulator.routes.common import error_response, json_response
from tui.emulator.sandbox.loopback_server import LoopbackServer
from tui.emulator.platform.routes import backups as routes_backups
from tui.emulator.platform.routes import cli as routes_cli
from tui.emulator.platform.routes import dashboard as routes_dashboard
from tui.emulator.platform.routes import emulator as routes_emulator
from tui.emulator.platform.routes import management as routes_management
from tui.emulator.platform.service import Platform

log = logging.getLogger(__name__)


async def _convex_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ConvexError)
    return error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "NotFound", 405: "MethodNotAllowed"}.get(exc.status_code, "BadRequest")
    return json_response(
        {"code": code, "message": f"{request.method} {request.url.path}: {exc.detail}"}, exc.status_code
    )


async def _unexpected(request: Request, exc: Exception) -> Response:
    # The type and route only: a message could quote a token.
    log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return error_response(internal())


async def _root(request: Request) -> Response:
    return PlainTextResponse(f"convex-backups emulated Convex platform {__version__}")


def build_platform_app(platform: Platform) -> Starlette:
    routes = [
        Route("/", _root),
        *routes_dashboard.routes(),
        *routes_backups.routes(),
        *routes_cli.routes(),
        *routes_management.routes(),
        *routes_emulator.routes(),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={ConvexError: _convex_error, HTTPException: _http_error, Exception: _unexpected},
    )
    app.state.platform = platform
    return app


class PlatformServer(LoopbackServer):
    """The platform API's socket on 127.0.0.1 and its app (served beside the deployments')."""

    def __init__(self, platform: Platform, port: int = 0):
        super().__init__(port)
        self.platform = platform
        platform.serving_at(self.url, self.port)
        self.app = build_platform_app(platform)
