"""Snapshot import routes: multipart upload, single-request import, confirm, cancel.

Bodies are spooled to disk as they arrive (never held in memory); the worker thread does the rest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from tui.values.field_names import component_name_problem, table_name_problem
from tui.emulator.imports import state as imports
from tui.emulator.deployment.auth import IMPORT_BACKUPS
from tui.emulator.errors import bad_request
from tui.emulator.routes.common import admin, deployment_of, empty_response, in_thread, json_body, json_response

MAX_PART_NUMBER = 65535  # Convex parses partNumber as a u16
WAIT_STEP_S = 1.0


# -- arguments --------------------------------------------------------------------------------------


def import_args(
    fmt: Any, mode: Any, table_name: Any, component_path: Any, *, code: str
) -> tuple[str, str | None, str, str | None]:
    """Validate `format`, `mode`, `tableName` and `componentPath` as Convex does; returns
    (stored format, table, stored mode, component path). `code` is BadQueryArgs or BadJsonBody."""
    if fmt is None:
        raise bad_request(code, "missing field `format`")
    if fmt not in imports.FORMATS:
        raise bad_request(code, f"unknown variant {fmt!r} for `format`, expected one of {', '.join(imports.FORMATS)}")
    if mode is None:
        mode = "requireEmpty"
    if mode not in imports.MODES:
        raise bad_request(code, f"unknown variant {mode!r} for `mode`, expected one of {', '.join(imports.MODES)}")
    if table_name is not None:
        if not isinstance(table_name, str):
            raise bad_request(code, "`tableName` must be a string")
        problem = table_name_problem(table_name)
        if problem:
            raise bad_request("ImportInvalidName", f"invalid table name {table_name}: {problem}")
    stored_format = imports.FORMATS[fmt]
    if stored_format == "zip" and table_name is not None:
        raise bad_request("InvalidName", "ZIP import cannot have table name")
    if stored_format != "zip" and table_name is None:
        raise bad_request("InvalidName", f"{imports.FORMAT_LABELS[stored_format]} import requires table name")
    return stored_format, table_name, imports.MODES[mode], _component_path(component_path, code)


def _component_path(value: Any, code: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise bad_request(code, "`componentPath` must be a string")
    for part in value.split("/"):
        problem = component_name_problem(part)
        if problem:
            raise bad_request("InvalidComponentPath", f"Invalid component path {value!r}: {problem}")
    return value


def _import_id(body: Any) -> Any:
    if not isinstance(body, dict) or "importId" not in body:
        raise bad_request("BadJsonBody", 'Expected {"importId": <id>}.')
    return body["importId"]


# -- helpers ----------------------------------------------------------------------------------------


async def _spool(request: Request, path: Path) -> int:
    """Append the request body to `path` chunk by chunk; returns the number of bytes."""
    size = 0
    try:
        with open(path, "ab") as handle:
            async for chunk in request.stream():
                handle.write(chunk)
                size += len(chunk)
    except ClientDisconnect:
        raise bad_request("ImportFailed", "failed to read request body") from None
    return size


def _create(deployment, upload: Path, args: tuple[str, str | None, str, str | None]) -> dict[str, Any]:
    stored_format, table, mode, component_path = args
    worker = deployment.import_worker
    with deployment.db.write() as txn:
        return imports.create(
            txn,
            format_=stored_format,
            table=table,
            mode=mode,
            component_path=component_path,
            now_s=deployment.clock.now(),
            on_created=lambda document: worker.adopt_upload(upload, document),
        )


def _read(deployment, import_id: str) -> dict[str, Any] | None:
    return imports.get(deployment.db.connection(), import_id)


async def _wait(deployment, import_id: str, states: tuple[str, ...]) -> dict[str, Any] | None:
    """Wait (without holding a thread) until the import reaches one of `states`."""
    while True:
        version = deployment.changes.version
        document = await in_thread(_read, deployment, import_id)
        if document is None or document["state"]["state"] in states:
            return document
        await deployment.changes.wait_past(version, WAIT_STEP_S)


# -- routes -----------------------------------------------------------------------------------------


async def start_upload(request: Request) -> Response:
    admin(request, IMPORT_BACKUPS)
    token = await in_thread(deployment_of(request).import_worker.new_upload)
    return json_response({"uploadToken": token})


async def upload_part(request: Request) -> Response:
    admin(request, IMPORT_BACKUPS)
    worker = deployment_of(request).import_worker
    token = request.query_params.get("uploadToken")
    part = request.query_params.get("partNumber")
    if token is None or part is None:
        raise bad_request("BadQueryArgs", "missing field `uploadToken` or `partNumber`")
    if not part.isdigit() or int(part) > MAX_PART_NUMBER:
        raise bad_request("BadQueryArgs", f"partNumber: invalid digit found in string or number too large: {part!r}")
    if not worker.is_upload_token(token):
        raise bad_request("InvalidUploadToken", "The upload token does not belong to an upload in progress.")
    # Local-disk storage appends parts in arrival order: the part number is not used.
    await _spool(request, worker.upload_path(token))
    return json_response(str(int(part)))


async def finish_upload(request: Request) -> Response:
    admin(request, IMPORT_BACKUPS)
    deployment = deployment_of(request)
    body = await json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("import"), dict):
        raise bad_request("BadJsonBody", "missing field `import`")
    spec = body["import"]
    args = import_args(
        spec.get("format"), spec.get("mode"), spec.get("tableName"), spec.get("componentPath"), code="BadJsonBody"
    )
    token = body.get("uploadToken")
    if not isinstance(token, str) or not isinstance(body.get("partTokens"), list):
        raise bad_request("BadJsonBody", "missing field `uploadToken` or `partTokens`")
    worker = deployment.import_worker
    if not worker.is_upload_token(token):
        raise bad_request("InvalidUploadToken", "The upload token does not belong to an upload in progress.")
    document = await in_thread(_create, deployment, worker.upload_path(token), args)
    worker.notify()
    return json_response({"importId": document["_id"]})


async def single_request_import(request: Request) -> Response:
    """`POST /api/import`: store, parse, confirm automatically, execute, answer `{"numWritten": n}`."""
    admin(request, IMPORT_BACKUPS)
    deployment = deployment_of(request)
    query = request.query_params
    args = import_args(
        query.get("format"), query.get("mode"), query.get("tableName"), query.get("componentPath"), code="BadQueryArgs"
    )
    worker = deployment.import_worker
    token = await in_thread(worker.new_upload)
    try:
        await _spool(request, worker.upload_path(token))
    except BaseException:
        worker.upload_path(token).unlink(missing_ok=True)
        raise
    created = await in_thread(_create, deployment, worker.upload_path(token), args)
    worker.notify()
    import_id = created["_id"]
    document = await _wait(deployment, import_id, ("waiting_for_confirmation", "completed", "failed"))
    if document is not None and document["state"]["state"] == "waiting_for_confirmation":
        await in_thread(imports.perform, deployment.db, import_id)
        worker.notify()
        document = await _wait(deployment, import_id, ("completed", "failed"))
    if document is None:
        raise bad_request("ImportFailed", "The import disappeared.")
    state = document["state"]
    if state["state"] == "failed":
        raise bad_request("ImportFailed", state["error_message"])
    return json_response({"numWritten": state["num_rows_written"]})


async def perform_import(request: Request) -> Response:
    admin(request, IMPORT_BACKUPS)
    deployment = deployment_of(request)
    import_id = _import_id(await json_body(request))
    await in_thread(imports.perform, deployment.db, import_id)
    deployment.import_worker.notify()
    return empty_response()


async def cancel_import(request: Request) -> Response:
    admin(request, IMPORT_BACKUPS)
    deployment = deployment_of(request)
    import_id = _import_id(await json_body(request))
    await in_thread(imports.cancel, deployment.db, import_id)
    deployment.import_worker.notify()
    return empty_response()


def routes() -> list[Route]:
    return [
        Route("/api/import/start_upload", start_upload, methods=["POST"]),
        Route("/api/import/upload_part", upload_part, methods=["POST"]),
        Route("/api/import/finish_upload", finish_upload, methods=["POST"]),
        Route("/api/import", single_request_import, methods=["POST"]),
        Route("/api/perform_import", perform_import, methods=["POST"]),
        Route("/api/cancel_import", cancel_import, methods=["POST"]),
    ]
