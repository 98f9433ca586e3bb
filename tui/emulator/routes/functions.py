"""The public function endpoints: /api/query, /api/mutation,
/api/query_batch and GET /api/query. The emulator only has Convex's built-in `_system/` functions.

`run_function` and `run_queries_at_one_snapshot` are shared with the sync WebSocket (sync.py).
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tui.values.encoding import (
    ConvexValueError,
    decode_encoded_value,
    encode_clean_value,
    encode_export_value,
    encode_json_value,
)
from tui.emulator.deployment import backend_state
from tui.emulator.deployment.auth import AdminIdentity
from tui.emulator.errors import ConvexError, bad_request
from tui.emulator.functions.registry import FunctionError, resolve
from tui.emulator.routes.common import deployment_of, in_thread, json_body, json_response

if TYPE_CHECKING:
    from tui.emulator.deployment.deployment import Deployment

log = logging.getLogger(__name__)

ENCODERS = {
    "convex_encoded_json": encode_json_value,
    "convex_json": encode_json_value,
    "json": encode_clean_value,
    "convex_clean_json": encode_clean_value,
    "export_json": encode_export_value,
}
# Only npm clients older than 1.4.1 default to the encoded format; none of those talk to an emulator.
DEFAULT_FORMAT = "json"
PERMISSION_SENTENCE = "You do not have permission to perform this operation"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}\Z")


# -- paths -----------------------------------------------------------------------------------------
def canonical_path(path: Any) -> str:
    """`module[.js][:export]` -> `module:export`; 400 BadConvexFunctionIdentifier when malformed."""

    def invalid(reason: str) -> ConvexError:
        return bad_request(
            "BadConvexFunctionIdentifier", f"{path!r} is not a valid path to a Convex function: {reason}."
        )

    if not isinstance(path, str) or not path:
        raise invalid("the path is empty")
    module, _, export = path.partition(":")
    export = export or "default"
    if module.startswith("/"):
        raise invalid("module paths must be relative")
    module = module.removesuffix(".js")
    segments = module.split("/")
    if not module or any(not s for s in segments):
        raise invalid("the module path has an empty segment")
    if "." in segments[-1]:
        raise invalid("module paths end in .js or have no extension")
    if not _IDENTIFIER.match(export):
        raise invalid(f"{export!r} is not a valid export name")
    return f"{module}:{export}"


def display_path(canonical: str) -> str:
    """How Convex names a function in messages: no `.js`, no `:default`."""
    return canonical.removesuffix(":default")


def missing_function_message(canonical: str) -> str:
    message = f"Could not find public function for '{display_path(canonical)}'."
    if not canonical.startswith("_system/"):
        message += (
            " This local sandbox has no deployed functions: only Convex's built-in `_system/` functions"
            " can be called here."
        )
    return message


# -- running one function ----------------------------------------------------------------------------
@dataclass(frozen=True)
class FunctionOutcome:
    """A function's result (a Python Convex value) or its error, before encoding."""

    ok: bool
    value: Any = None
    error_message: str = ""
    error_data: Any = None

    def envelope(self, encode) -> dict[str, Any]:
        if self.ok:
            return {"status": "success", "value": encode(self.value), "logLines": []}
        body: dict[str, Any] = {"status": "error", "errorMessage": self.error_message, "logLines": []}
        if self.error_data is not None:
            body["errorData"] = encode(self.error_data)
        return body


def _failed(message: str, data: Any = None) -> FunctionOutcome:
    return FunctionOutcome(False, error_message=message, error_data=data)


def _server_error(detail: str) -> str:
    """Errors raised while the function runs carry Convex's request-id first line."""
    first = f"[Request ID: {secrets.token_hex(8)}] Server Error"
    return f"{first}\n{detail}\n" if detail else first


def decode_args(raw: Any) -> dict[str, Any]:
    """Arguments are always Convex-encoded JSON: an object, or a one-element array holding one."""
    if raw is None:
        return {}
    if isinstance(raw, list):
        if len(raw) != 1:
            raise FunctionError(f"ArgumentValidationError: expected one argument object, received {len(raw)}.")
        raw = raw[0]
    if not isinstance(raw, dict):
        raise FunctionError("ArgumentValidationError: the arguments must be an object.")
    try:
        return decode_encoded_value(raw)
    except ConvexValueError as exc:
        raise FunctionError(f"ArgumentValidationError: {exc}.") from None


def run_function(
    deployment: Deployment, identity: AdminIdentity | None, path: str, raw_args: Any, kind: str
) -> FunctionOutcome:
    """Look up, check and run one system function. Blocking: call it in a worker thread.

    `identity` None means no admin identity (no header, a user token): system functions then look
    missing, as Convex reports them.
    """
    if not path.startswith("_system/"):  # system functions ignore a stop; user functions may not run
        stopped = backend_state.stop_message(backend_state.read(deployment.db.connection()))
        if stopped is not None:
            return _failed(stopped)
    function = resolve(path)
    if function is None or identity is None:
        return _failed(missing_function_message(path))
    if function.kind != kind:
        module, _, name = path.partition(":")
        return _failed(
            f"Trying to execute {module}.js:{name} as {kind.capitalize()}, "
            f"but it is defined as {function.kind.capitalize()}."
        )
    try:
        args = decode_args(raw_args)
    except FunctionError as exc:
        return _failed(exc.message)
    try:
        identity.require(function.action)
    except ConvexError as exc:  # system functions check inside their body: a function error
        return _failed(_server_error(f"Uncaught Error: {exc.message}"))
    try:
        return FunctionOutcome(True, value=function.body(deployment, args))
    except FunctionError as exc:
        if exc.message.startswith("ArgumentValidationError"):
            return _failed(exc.message)
        if exc.data is not None:
            return _failed(_server_error(f"Uncaught ConvexError: {exc.message}"), exc.data)
        return _failed(_server_error(f"Uncaught Error: {exc.message}"))
    except ConvexError as exc:  # a database rule (deployment/documents.py, file_storage.py) re-thrown as ConvexError
        return _failed(_server_error(f"Uncaught ConvexError: {exc.message}"), exc.message)
    except Exception as exc:  # noqa: BLE001 - a bug must not leak details (they could quote values)
        log.error("system function %s failed with %s", path, type(exc).__name__)
        return _failed(_server_error(""))


def run_queries_at_one_snapshot(
    deployment: Deployment, identity: AdminIdentity | None, calls: list[tuple[str, Any]]
) -> tuple[int, list[FunctionOutcome]]:
    """Run queries that must agree (query_batch, a sync transition) inside one read transaction.

    Functions read through `deployment.db.connection()`, this thread's connection, so opening a read
    transaction on it makes every read see one commit. Returns that commit's ts and the outcomes.
    """
    conn = deployment.db.connection()
    conn.execute("BEGIN")
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'ts'").fetchone()
        ts = int(row[0]) if row else 0
        return ts, [run_function(deployment, identity, path, args, "query") for path, args in calls]
    finally:
        conn.execute("ROLLBACK")


# -- HTTP ----------------------------------------------------------------------------------------------
def check_client_header(request: Request) -> None:
    client = request.headers.get("convex-client")
    if client is not None and "-" not in client:
        raise bad_request("InvalidClientVersion", f"Convex-Client header {client!r} is not <client name>-<version>.")


def encoder(format_name: Any):
    if format_name is None:
        format_name = DEFAULT_FORMAT
    encoder = ENCODERS.get(format_name) if isinstance(format_name, str) else None
    if encoder is None:
        raise bad_request("BadFormat", f"Unknown format {format_name!r}; expected one of {', '.join(ENCODERS)}.")
    return encoder


def caller_identity(request: Request) -> AdminIdentity | None:
    """The admin identity, or None for anonymous and user-token callers (they may call public functions).

    A key that is present but wrong, or a malformed header, is still an ordinary HTTP error.
    """
    authorization = request.headers.get("authorization")
    admin_key_param = request.query_params.get("adminKey")
    if authorization is None and admin_key_param is None:
        return None
    if authorization is not None and authorization.partition(" ")[0].lower() == "bearer":
        return None  # an end-user JWT: never an admin
    return deployment_of(request).authenticate(authorization, admin_key_param)


def _parse_call(body: Any) -> tuple[str, Any, Any]:
    if not isinstance(body, dict):
        raise bad_request("BadJsonBody", 'Expected {"path": ..., "args": ..., "format": ...}.')
    return canonical_path(body.get("path")), body.get("args"), encoder(body.get("format"))


async def _call(request: Request, kind: str, body: Any) -> Response:
    check_client_header(request)
    path, raw_args, encode = _parse_call(body)
    identity = caller_identity(request)
    outcome = await in_thread(run_function, deployment_of(request), identity, path, raw_args, kind)
    return json_response(await in_thread(outcome.envelope, encode))


async def query(request: Request) -> Response:
    return await _call(request, "query", await json_body(request))


async def mutation(request: Request) -> Response:
    return await _call(request, "mutation", await json_body(request))


async def query_get(request: Request) -> Response:
    params = request.query_params
    raw_args = params.get("args")
    try:
        args = orjson.loads(raw_args) if raw_args else {}
    except orjson.JSONDecodeError:
        raise bad_request("BadQueryArgs", "The `args` query parameter must be a JSON object.") from None
    return await _call(request, "query", {"path": params.get("path"), "args": args, "format": params.get("format")})


async def query_batch(request: Request) -> Response:
    """Several queries at one timestamp: `{"queries": [...]}` -> `{"results": [envelope, ...]}`."""
    check_client_header(request)
    body = await json_body(request)
    queries = body.get("queries") if isinstance(body, dict) else None
    if not isinstance(queries, list):
        raise bad_request("BadJsonBody", 'Expected {"queries": [{"path", "args", "format"}, ...]}.')
    parsed = [_parse_call(q) for q in queries]
    identity = caller_identity(request)
    deployment = deployment_of(request)

    def run_all() -> list[dict[str, Any]]:
        _, outcomes = run_queries_at_one_snapshot(deployment, identity, [(p, a) for p, a, _ in parsed])
        return [outcome.envelope(encode) for outcome, (_, _, encode) in zip(outcomes, parsed)]

    return json_response({"results": await in_thread(run_all)})


def routes() -> list[Route]:
    return [
        Route("/api/query", query, methods=["POST"]),
        Route("/api/query", query_get, methods=["GET"]),
        Route("/api/mutation", mutation, methods=["POST"]),
        Route("/api/query_batch", query_batch, methods=["POST"]),
    ]
