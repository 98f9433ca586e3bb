"""Environment variable routes, each at `/api/v1/...` and at the CLI's older `/api/...`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tui.emulator.deployment import environment
from tui.emulator.deployment.auth import VIEW_ENV, WRITE_ENV
from tui.emulator.routes.common import admin, deployment_of, empty_response, in_thread, json_body, json_response


async def list_variables(request: Request) -> Response:
    admin(request, VIEW_ENV)
    db = deployment_of(request).db
    variables = await in_thread(lambda: environment.as_mapping(db.connection()))  # this thread's connection
    return json_response({"environmentVariables": variables})


async def update_variables(request: Request) -> Response:
    admin(request, WRITE_ENV)
    deployment = deployment_of(request)
    changes = environment.parse_changes(await json_body(request))
    await in_thread(environment.apply_changes, deployment.db, changes, now_s=deployment.clock.now())
    return empty_response()


def routes() -> list[Route]:
    return [
        route
        for prefix in ("/api/v1", "/api")
        for route in (
            Route(f"{prefix}/list_environment_variables", list_variables, methods=["GET"]),
            Route(f"{prefix}/update_environment_variables", update_variables, methods=["POST"]),
        )
    ]
