"""What `npx convex deploy` sends (the CLI's `cli/lib/deploy2.ts` and `config.ts`).
The sandbox keeps no code and runs none, and says so where the code arrives:

- `POST /api/get_config_hashes` answers as a deployment nothing was ever pushed to (no modules, no versions),
  so the CLI goes on to bundle the functions;
- every request that carries the bundled code (`/api/deploy2/evaluate_push`, `/api/deploy2/start_push`, the
  legacy `/api/push_config` and `/api/prepare_schema`) and `/api/deploy2/finish_push` is read to its end and
  answered with HTTP 400 `SandboxRunsNoCode`: the code was received and nothing was deployed. A 400 is what
  the CLI stops at without retrying, and it prints the code and message. Nothing is stored and no audit
  event is written, because nothing changed.

Like Convex these routes need the `deployment:deploy` operation. Convex reads the admin key from the JSON
body; the push bodies are brotli-compressed (which Python's standard library cannot read), so for them the
same key is taken from the `Authorization` header the CLI also sends.
"""

from __future__ import annotations

import gzip

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tui.emulator.deployment.auth import DEPLOY, AdminIdentity
from tui.emulator.errors import ConvexError, bad_request
from tui.emulator.routes.common import deployment_of, json_response

MAX_PUSH_BYTES = 200_000_000  # Convex's limit on a push request
NO_CODE = "SandboxRunsNoCode"


def _identity(request: Request, body_key: object) -> AdminIdentity:
    deployment = deployment_of(request)
    if isinstance(body_key, str):
        identity = deployment.authenticate(None, body_key)
    else:
        identity = deployment.authenticate(request.headers.get("authorization"), None)
    identity.require(DEPLOY)
    return identity


async def _read(request: Request) -> bytes:
    """The whole body, refusing one over Convex's push limit (without holding more than the limit)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_PUSH_BYTES:
            raise ConvexError(413, "PayloadTooLarge", f"The push is larger than {MAX_PUSH_BYTES:,} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def _json(raw: bytes, encoding: str) -> dict | None:
    """The JSON body when it can be read here (plain or gzip); None for brotli."""
    if encoding == "br":
        return None
    try:
        body = orjson.loads(gzip.decompress(raw) if encoding == "gzip" else raw)
    except (OSError, EOFError, orjson.JSONDecodeError):
        raise bad_request("BadJsonBody", "The push request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise bad_request("BadJsonBody", "The push request body must be a JSON object.")
    return body


async def config_hashes(request: Request) -> Response:
    body = _json(await _read(request), request.headers.get("content-encoding", "").strip().lower())
    if body is None or not isinstance(body.get("adminKey"), str):
        raise bad_request("BadJsonBody", 'Expected {"adminKey": ..., "version": ...}.')
    _identity(request, body["adminKey"])
    return json_response(
        {
            "config": {"functions": "convex/", "authInfo": []},
            "moduleHashes": [],
            "udfServerVersion": None,
            "nodeVersion": None,
        }
    )


async def refuse_push(request: Request) -> Response:
    raw = await _read(request)
    body = _json(raw, request.headers.get("content-encoding", "").strip().lower())
    _identity(request, None if body is None else body.get("adminKey"))
    name = deployment_of(request).name
    raise bad_request(
        NO_CODE,
        (
            f"The sandbox deployment {name} received this push ({len(raw):,} bytes of bundled code and "
            "configuration) but runs no code, so nothing was deployed and its functions are unchanged. This was "
            "a rehearsal: push to a Convex Cloud or self-hosted deployment to deploy."
        ),
    )


def routes() -> list[Route]:
    return [
        Route("/api/get_config_hashes", config_hashes, methods=["POST"]),
        *(
            Route(path, refuse_push, methods=["POST"])
            for path in (
                "/api/deploy2/evaluate_push",
                "/api/deploy2/start_push",
                "/api/deploy2/finish_push",
                "/api/push_config",
                "/api/prepare_schema",
            )
        ),
    ]
