"""The routes that run a user function by name: /api/action, /api/function and
/api/run/<module>/<function>. The sandbox has no pushed code, so every call ends in the missing-function
error, except while the deployment is stopped: then the stop message comes first."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tui.emulator.deployment import backend_state
from tui.emulator.errors import bad_request
from tui.emulator.routes.common import admin, deployment_of, in_thread, json_body, json_response
from tui.emulator.routes.functions import (
    FunctionOutcome,
    caller_identity,
    canonical_path,
    check_client_header,
    display_path,
    encoder,
    run_function,
)


def _any_function(deployment, path: str) -> FunctionOutcome:
    """`/api/function` and `/api/run` look among pushed modules only, where `_system/` never is (3, rule 9)."""
    if not path.startswith("_system/"):
        stopped = backend_state.stop_message(backend_state.read(deployment.db.connection()))
        if stopped is not None:
            return FunctionOutcome(False, error_message=stopped)
    message = f"Could not find function for '{display_path(path)}'. Did you forget to run `npx convex dev`?"
    return FunctionOutcome(False, error_message=message)


async def action(request: Request) -> Response:
    check_client_header(request)
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("BadJsonBody", 'Expected {"path": ..., "args": ..., "format": ...}.')
    path, encode = canonical_path(body.get("path")), encoder(body.get("format"))
    identity = caller_identity(request)
    outcome = await in_thread(run_function, deployment_of(request), identity, path, body.get("args"), "action")
    return json_response(outcome.envelope(encode))


async def function(request: Request) -> Response:
    check_client_header(request)
    admin(request, None)  # always an admin route
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("BadJsonBody", 'Expected {"path": ..., "args": ..., "format": ...}.')
    path, encode = canonical_path(body.get("path")), encoder(body.get("format"))
    outcome = await in_thread(_any_function, deployment_of(request), path)
    return json_response(outcome.envelope(encode))


async def run(request: Request) -> Response:
    check_client_header(request)
    segments: list[str] = [s for s in request.path_params["rest"].split("/")]
    if len(segments) < 2 or not all(segments):
        raise bad_request("MissingIdentifier", "Expected /api/run/<module path>/<function name>.")
    path = canonical_path("/".join(segments[:-1]) + ":" + segments[-1])
    body: Any = await json_body(request, required=False)
    encode = encoder((body or {}).get("format", "json") if isinstance(body, dict) else "json")
    caller_identity(request)  # a wrong key is still an HTTP error
    outcome = await in_thread(_any_function, deployment_of(request), path)
    return json_response(outcome.envelope(encode))


def routes() -> list[Route]:
    return [
        Route("/api/action", action, methods=["POST"]),
        Route("/api/function", function, methods=["POST"]),
        Route("/api/run/{rest:path}", run, methods=["POST"]),
    ]
