"""`DeploymentClient`: a Convex deployment's HTTP API (Cloud, self-hosted or the sandbox), async.

Covers the system queries behind backups, snapshot export, snapshot import, environment
variables, deployment identity and the data functions a browser needs.
The admin key lives only in the Authorization header of its httpx client (never in a URL, a log line or a
repr). Live values are better read with `SyncClient` (tui.api.deployment.sync_client) than by polling these.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from tui.api.deployment.models import (
    AuditEvent,
    BackendState,
    DeploymentInfo,
    DocumentPage,
    EnvironmentVariables,
    Export,
    SnapshotImport,
)
from tui.api.errors import InvalidRequest, NetworkError, ProtocolError, ServerError, Target, function_error
from tui.api.deployment.export_download import ExportDownload, open_export_download
from tui.api.transport.http import HttpSession, Retry, RetryPolicy, Sleep, target_for_url
from tui.api.transport.clients import DEFAULT_TIMEOUT
from tui.api.deployment.import_upload import DEFAULT_PART_SIZE, Progress, upload_file
from tui.api.secrets import Secret
from tui.api.wire_values import as_list
from tui.values.encoding import ConvexValueError, decode_encoded_value, encode_json_value

FUNCTION_ERROR_STATUS = 560  # the official HTTP client reads a function error envelope from it as well

LATEST_EXPORT = "_system/cli/exports:getLatest"
LATEST_CLOUD_EXPORT = "_system/frontend/latestExport:latestCloudExport"
LIST_IMPORTS = "_system/frontend/snapshotImport:list"
GET_IMPORT = "_system/cli/queryImport"
TABLE_MAPPING = "_system/frontend/getTableMapping"
TABLE_SIZE = "_system/frontend/tableSize"
FILE_COUNT = "_system/frontend/fileStorageV2:numFiles"
PAGE_DOCUMENTS = "_system/frontend/paginatedTableDocuments"
BACKEND_STATE = "_system/frontend/backendState:backendState"
UNPAUSE_ATTEMPTS = 3


class DeploymentClient:
    """Async client of one deployment. Use as `async with DeploymentClient(url, key) as client: ...`."""

    def __init__(
        self,
        url: str,
        admin_key: str | Secret,
        *,
        name: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Sleep = asyncio.sleep,
    ):
        self.url = url.rstrip("/")
        self.name = name
        self._admin_key = Secret(admin_key)
        self._sleep = sleep
        self._http = HttpSession(
            self.url,
            target=target_for_url(self.url, name),
            authorization=Secret(f"Convex {self._admin_key.reveal()}"),
            transport=transport,
            timeout=timeout,
            retry=retry,
            sleep=sleep,
            secrets=[self._admin_key],
        )

    def __repr__(self) -> str:
        return f"DeploymentClient({self.url!r})"

    @property
    def admin_key(self) -> Secret:
        """The credential, for handing to a `SyncClient` on the same deployment."""
        return self._admin_key

    @property
    def target(self) -> Target:
        """How errors name this deployment."""
        return self._http.target

    async def __aenter__(self) -> DeploymentClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- functions --------------------------------------------------------------------------------------
    async def query(self, path: str, args: Mapping[str, Any] | None = None) -> Any:
        """Run a query; returns its value decoded to Python (Int64 -> int, bytes -> bytes)."""
        return await self._call("query", path, args, Retry.IDEMPOTENT)

    async def mutation(self, path: str, args: Mapping[str, Any] | None = None) -> Any:
        """Run a mutation. Never retried: without an idempotency key a retry could apply it twice."""
        return await self._call("mutation", path, args, Retry.NEVER)

    async def query_batch(self, calls: Sequence[tuple[str, Mapping[str, Any] | None]]) -> list[Any]:
        """Several queries evaluated at one timestamp; any function error raises."""
        body = {"queries": [self._function_body(path, args) for path, args in calls]}
        reply = await self._http.json("POST", "/api/query_batch", json=body, retry=Retry.IDEMPOTENT)
        results = reply.get("results") if isinstance(reply, dict) else None
        if not isinstance(results, list) or len(results) != len(calls):
            raise ProtocolError(f"{self.target} answered query_batch without one result per query.")
        return [self._envelope_value(envelope, path) for envelope, (path, _) in zip(results, calls)]

    @staticmethod
    def _function_body(path: str, args: Mapping[str, Any] | None) -> dict[str, Any]:
        return {"path": path, "args": encode_json_value(dict(args or {})), "format": "convex_encoded_json"}

    async def _call(self, kind: str, path: str, args: Mapping[str, Any] | None, retry: Retry) -> Any:
        response = await self._http.request(
            "POST", f"/api/{kind}", json=self._function_body(path, args), retry=retry, accept=(FUNCTION_ERROR_STATUS,)
        )
        try:
            envelope = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise ProtocolError(f"{self.target} answered {path} with something that is not JSON.") from None
        return self._envelope_value(envelope, path)

    def _envelope_value(self, envelope: Any, path: str) -> Any:
        if not isinstance(envelope, dict) or envelope.get("status") not in ("success", "error"):
            raise ProtocolError(f"{self.target} answered {path} without a function result envelope.")
        try:
            if envelope["status"] == "success":
                return decode_encoded_value(envelope.get("value"))
            data = envelope.get("errorData")
            data = decode_encoded_value(data) if data is not None else None
        except ConvexValueError as exc:
            raise ProtocolError(f"{self.target} answered {path} with an invalid Convex value: {exc}") from None
        raise function_error(
            str(envelope.get("errorMessage") or "unknown error"),
            data,
            target=self.target,
            path=path,
            secrets=self._http.secrets,
        )

    # -- identity ----------------------------------------------------------------------------------------
    async def deployment_info(self) -> DeploymentInfo:
        """`{"kind": "selfHosted"}` or the cloud fields: a cheap way to tell the two apart."""
        return DeploymentInfo.from_json(await self._http.json("GET", "/api/v1/deployment_info"))

    async def instance_name(self) -> str:
        """The backend's own name (`GET /instance_name`, no auth needed)."""
        response = await self._http.request("GET", "/instance_name")
        return response.text.strip()

    # -- pausing and the audit log ----------------------------------------------------------------------
    async def backend_state(self) -> BackendState:
        return BackendState.from_json(await self.query(BACKEND_STATE))

    async def pause_deployment(self) -> None:
        """Idempotent on the server (pausing a paused deployment changes nothing), so safe to retry."""
        await self._http.request("POST", "/api/v1/pause_deployment", retry=Retry.IDEMPOTENT)

    async def unpause_deployment(self) -> None:
        """Unpause is not idempotent: if an attempt may have reached the server (no answer, a gateway error)
        and the next one hears "not currently paused", the first one worked. A first attempt that
        hears it raises: the deployment was not paused."""
        for attempt in range(1, UNPAUSE_ATTEMPTS + 1):
            try:
                await self._http.request("POST", "/api/v1/unpause_deployment", retry=Retry.NEVER)
                return
            except InvalidRequest as exc:
                if attempt > 1 and exc.code == "UnpauseDeploymentFailed" and "not currently paused" in str(exc):
                    return
                raise
            except (NetworkError, ServerError):
                if attempt == UNPAUSE_ATTEMPTS:
                    raise
                await self._sleep(self._http.retry.backoff(attempt))

    async def audit_events(self, from_ms: int, *, page_size: int = 100) -> list[AuditEvent]:
        """Every deployment audit-log event since `from_ms`, oldest first (all pages)."""
        events: list[AuditEvent] = []
        cursor: str | None = None
        while True:
            params = {"from": str(int(from_ms)), "limit": str(page_size), **({"cursor": cursor} if cursor else {})}
            reply = await self._http.json("GET", "/api/v1/list_audit_log_events", params=params)
            items = reply.get("items") if isinstance(reply, dict) else None
            if not isinstance(items, list):
                raise ProtocolError(f"{self.target} listed audit log events in an unexpected shape.")
            events += [AuditEvent.from_json(item) for item in items]
            pagination = reply.get("pagination") if isinstance(reply.get("pagination"), dict) else {}
            cursor = pagination.get("nextCursor")
            if not pagination.get("hasMore") or not isinstance(cursor, str):
                return events

    # -- snapshot export --------------------------------------------------------------------------------
    async def request_export(self, *, include_storage: bool = False) -> None:
        """Start a snapshot export. The server returns no id: read `latest_export()` right after.
        Raises `Conflict` (`ExportInProgress`) while any export or cloud backup is pending."""
        params = {"includeStorage": "true" if include_storage else "false"}
        await self._http.request(
            "POST",
            "/api/export/request/zip",
            params=params,
            headers={"Content-Type": "application/json"},
            retry=Retry.NEVER,
        )

    async def latest_export(self) -> Export | None:
        """The newest snapshot export (requestor `snapshotExport`), or None."""
        value = await self.query(LATEST_EXPORT)
        return Export.from_json(value) if value is not None else None

    async def latest_cloud_export(self) -> Export | None:
        """The newest export made for a cloud backup (requestor `cloudBackup`), or None."""
        value = await self.query(LATEST_CLOUD_EXPORT)
        return Export.from_json(value) if value is not None else None

    async def export_size(self, id_or_ts: str | int) -> int | None:
        """Bytes of a completed export's ZIP: the `Content-Length` of `HEAD /api/export/zip/{id}` (nothing
        is downloaded). None when the server does not say."""
        response = await self._http.request(
            "HEAD", f"/api/export/zip/{quote(str(id_or_ts), safe='')}", headers={"Accept-Encoding": "identity"}
        )
        length = response.headers.get("Content-Length")
        return int(length) if length and length.isdigit() else None

    async def cancel_export(self, export_id: str) -> None:
        await self._http.request("POST", f"/api/export/cancel/{quote(export_id, safe='')}")

    async def set_export_expiration(self, export_id: str, expiration_ts_ns: int) -> None:
        """Change when a completed export expires (nanoseconds since the epoch; now = delete soon)."""
        await self._http.request(
            "POST",
            f"/api/export/set_expiration/{quote(export_id, safe='')}",
            json={"expirationTsNs": int(expiration_ts_ns)},
            retry=Retry.IDEMPOTENT,
        )

    def download_export(self, id_or_ts: str | int, *, offset: int = 0) -> AbstractAsyncContextManager[ExportDownload]:
        """`async with client.download_export(id, offset=n) as download:` then `download.pour(sink)`.
        With `offset`, asks for the rest of the file (Range); `download.offset` says where the body
        actually starts (0 if the server sent the whole file again)."""
        return open_export_download(self._http, id_or_ts, offset=offset)

    # -- snapshot import --------------------------------------------------------------------------------
    async def start_upload(self) -> str:
        reply = await self._http.json("POST", "/api/import/start_upload")
        token = reply.get("uploadToken") if isinstance(reply, dict) else None
        if not isinstance(token, str):
            raise ProtocolError(f"{self.target} started an upload without an upload token.")
        return token

    async def upload_part(self, upload_token: str, part_number: int, data: bytes) -> str:
        """Send one part (parts must go in order); returns its part token."""
        reply = await self._http.json(
            "POST",
            "/api/import/upload_part",
            params={"uploadToken": upload_token, "partNumber": str(part_number)},
            content=data,
            headers={"Content-Type": "application/octet-stream"},
        )
        return reply if isinstance(reply, str) else ""

    async def finish_upload(
        self,
        upload_token: str,
        part_tokens: list[str],
        *,
        format: str = "zip",
        mode: str = "requireEmpty",
        table: str | None = None,
        component_path: str | None = None,
    ) -> str:
        """Register the uploaded file as an import (state `uploaded`); returns its id. Never retried."""
        body = {
            "import": {"format": format, "mode": mode, "tableName": table, "componentPath": component_path},
            "uploadToken": upload_token,
            "partTokens": part_tokens,
        }
        reply = await self._http.json("POST", "/api/import/finish_upload", json=body, retry=Retry.NEVER)
        import_id = reply.get("importId") if isinstance(reply, dict) else None
        if not isinstance(import_id, str):
            raise ProtocolError(f"{self.target} finished the upload without an import id.")
        return import_id

    async def upload_import(
        self,
        path: str | Path,
        *,
        format: str | None = None,
        mode: str = "requireEmpty",
        table: str | None = None,
        component_path: str | None = None,
        part_size: int = DEFAULT_PART_SIZE,
        progress: Progress | None = None,
    ) -> str:
        """Stream a file from disk as a multipart upload and register the import; returns its id.
        `format` defaults from the extension; `progress(sent, total)` is called after each part."""
        return await upload_file(
            self,
            Path(path),
            format=format,
            mode=mode,
            table=table,
            component_path=component_path,
            part_size=part_size,
            progress=progress,
        )

    async def list_imports(self) -> list[SnapshotImport]:
        """The 20 newest imports, newest first."""
        value = await self.query(LIST_IMPORTS)
        return [SnapshotImport.from_json(item) for item in (value or [])]

    async def get_import(self, import_id: str) -> SnapshotImport | None:
        value = await self.query(GET_IMPORT, {"importId": import_id})
        return SnapshotImport.from_json(value) if value is not None else None

    async def perform_import(self, import_id: str) -> None:
        """Confirm an import waiting for confirmation (a no-op in any other state, so safe to repeat)."""
        await self._http.request("POST", "/api/perform_import", json={"importId": import_id}, retry=Retry.IDEMPOTENT)

    async def cancel_import(self, import_id: str) -> None:
        """Cancel an unfinished import (`Conflict` once it completed or failed)."""
        await self._http.request("POST", "/api/cancel_import", json={"importId": import_id})

    # -- environment variables --------------------------------------------------------------------------
    async def list_env(self) -> EnvironmentVariables:
        reply = await self._http.json("GET", "/api/v1/list_environment_variables")
        values = reply.get("environmentVariables") if isinstance(reply, dict) else None
        if not isinstance(values, dict):
            raise ProtocolError(f"{self.target} listed environment variables in an unexpected shape.")
        return EnvironmentVariables({k: v for k, v in values.items() if isinstance(v, str)})

    async def update_env(self, changes: Mapping[str, str | None]) -> None:
        """Set (string) or delete (None) variables, all in one transaction. The values never appear in
        an error's text."""
        body = {"changes": [{"name": name, "value": value} for name, value in changes.items()]}
        secrets = [v for v in changes.values() if v]
        await self._http.request(
            "POST", "/api/v1/update_environment_variables", json=body, retry=Retry.IDEMPOTENT, secrets=secrets
        )

    # -- data browsing ----------------------------------------------------------------------------------
    async def table_mapping(self, component_id: str | None = None) -> dict[int, str]:
        """Table number -> name for the active tables (user tables plus `_scheduled_jobs`/`_file_storage`)."""
        value = await self.query(TABLE_MAPPING, {"componentId": component_id})
        return {int(number): name for number, name in (value or {}).items()}

    async def user_tables(self, component_id: str | None = None) -> list[str]:
        return sorted(name for name in (await self.table_mapping(component_id)).values() if not name.startswith("_"))

    async def table_size(self, table: str, component_id: str | None = None) -> int:
        value = await self.query(TABLE_SIZE, {"tableName": table, "componentId": component_id})
        return int(value or 0)

    async def file_count(self, component_id: str | None = None) -> int:
        """Files in `_storage` (tableSize refuses `_` tables, so Convex counts them with fileStorageV2)."""
        value = await self.query(FILE_COUNT, {"componentId": component_id})
        return int(value or 0)

    async def table_sizes(self, tables: Iterable[str], component_id: str | None = None) -> dict[str, int]:
        """Document counts of several tables at one timestamp."""
        names = list(tables)
        values = await self.query_batch([(TABLE_SIZE, {"tableName": t, "componentId": component_id}) for t in names])
        return {name: int(value or 0) for name, value in zip(names, values)}

    async def page_documents(
        self,
        table: str,
        *,
        cursor: str | None = None,
        num_items: int = 25,
        order: str = "desc",
        component_id: str | None = None,
    ) -> DocumentPage:
        """One page of a table by creation time (newest first unless `order="asc"`). A page may be short or
        empty while `is_done` is false: keep going with `continue_cursor`."""
        filters = base64.urlsafe_b64encode(orjson.dumps({"clauses": [], "order": order})).decode().rstrip("=")
        args = {
            "table": table,
            "paginationOpts": {"numItems": float(num_items), "cursor": cursor},
            "filters": filters,
            "componentId": component_id,
        }
        value = await self.query(PAGE_DOCUMENTS, args)
        if not isinstance(value, dict):
            raise ProtocolError(f"{self.target} answered a page of {table} in an unexpected shape.")
        page = as_list(value.get("page"))
        return DocumentPage(
            documents=tuple(d for d in page if isinstance(d, dict)),
            is_done=bool(value.get("isDone", True)),
            continue_cursor=value.get("continueCursor") if isinstance(value.get("continueCursor"), str) else None,
        )

    async def iter_documents(
        self, table: str, *, page_size: int = 100, order: str = "asc"
    ) -> AsyncIterator[dict[str, Any]]:
        """Every document of a table, page by page."""
        cursor: str | None = None
        while True:
            page = await self.page_documents(table, cursor=cursor, num_items=page_size, order=order)
            for document in page.documents:
                yield document
            if page.is_done or page.continue_cursor is None:
                return
            cursor = page.continue_cursor
