"""Identity routes and the emulator-only throttle control."""

from __future__ import annotations

import math

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tui.emulator.deployment.auth import VIEW_DATA, AdminIdentity
from tui.emulator.deployment.deployment import PlatformIdentity
from tui.emulator.errors import ConvexError, bad_request
from tui.emulator.routes.common import admin, deployment_of, in_thread, json_body, json_response


def _identity(request: Request) -> AdminIdentity:
    return deployment_of(request).authenticate(
        request.headers.get("authorization"), request.query_params.get("adminKey")
    )


async def deployment_info(request: Request) -> Response:
    """A platform-served deployment answers as Convex Cloud does to a platform credential (an access
    token or the dashboard's instance credential); to its own admin key, which is what
    `sandbox credentials` hands out as CONVEX_SELF_HOSTED_ADMIN_KEY, it answers as self-hosted."""
    identity = admin(request, VIEW_DATA)
    deployment = deployment_of(request)
    if deployment.platform is not None:
        if isinstance(identity, PlatformIdentity):
            return json_response(await in_thread(deployment.platform.deployment_info))
        return json_response({"kind": "selfHosted"})
    if deployment.kind == "selfHosted":
        return json_response({"kind": "selfHosted"})
    # An emulated cloud deployment: its team and project ids live in big brain, not in the deployment.
    return json_response({"kind": "cloud", "deploymentType": "dev"})


async def canonical_urls(request: Request) -> Response:
    _identity(request)  # any admin identity may read them
    url = deployment_of(request).url
    return json_response({"convexCloudUrl": url, "convexSiteUrl": url})


async def set_throttle(request: Request) -> Response:
    """`{"stepDelay": seconds}`: slow the export/import workers down (or back up) while running."""
    identity = _identity(request)
    if identity.allowed_actions is not None:  # test tooling: only the full admin key may use it
        raise ConvexError(403, "OperationNotPermitted", "Only the deployment's admin key may change the throttle.")
    body = await json_body(request)
    delay = body.get("stepDelay") if isinstance(body, dict) else None
    if (
        not isinstance(delay, (int, float))
        or isinstance(delay, bool)
        or not math.isfinite(delay)
        or not 0 <= delay <= 3600
    ):
        raise bad_request("BadJsonBody", 'Expected {"stepDelay": <seconds between 0 and 3600>}.')
    throttle = deployment_of(request).throttle
    throttle.set(delay)
    return json_response({"stepDelay": throttle.step_delay})


def routes() -> list[Route]:
    return [
        Route("/api/v1/deployment_info", deployment_info, methods=["GET"]),
        Route("/api/v1/get_canonical_urls", canonical_urls, methods=["GET"]),
        Route("/api/_emulator/throttle", set_throttle, methods=["POST"]),
    ]
