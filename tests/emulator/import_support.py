"""Helpers shared by the import tests (no tests here): build ZIPs, upload them, read state over HTTP."""

from __future__ import annotations

import base64
import hashlib
import io
import uuid
from typing import Any

import httpx
from convex_http import query
from sandbox_process import wait_for

from tui.archive.ids import new_id
from tui.archive.writer import SnapshotWriter

USERS, MESSAGES = 10001, 10002
TERMINAL = ("completed", "failed")


def make_zip(
    tables: dict[str, list[dict[str, Any]]],
    *,
    numbers: dict[str, int] | None = None,
    files: dict[str, bytes] | None = None,
    metadata: dict[str, dict[str, Any]] | None = None,
    component: str = "",
) -> bytes:
    """A snapshot ZIP written by the app's own writer. `files` maps storage id -> bytes; `metadata`
    overrides fields of the generated `_storage/documents.jsonl` lines."""
    raw = io.BytesIO()
    with SnapshotWriter(raw) as writer:
        if numbers is not None:
            writer.write_tables_index(component, numbers.items())
        for name, documents in tables.items():
            with writer.open_table(component, name) as table:
                for document in documents:
                    table.write_document(document)
        if files is not None:
            entries = [storage_entry(sid, data, **(metadata or {}).get(sid, {})) for sid, data in files.items()]
            writer.write_storage_index(component, entries)
            for sid, data in files.items():
                writer.write_storage_file(component, sid, "text/plain", [data])
    return raw.getvalue()


def storage_entry(storage_id: str, data: bytes, **overrides: Any) -> dict[str, Any]:
    entry = {
        "_id": storage_id,
        "_creationTime": 1700000000000.25,
        "sha256": base64.b64encode(hashlib.sha256(data).digest()).decode(),
        "size": len(data),
        "contentType": "text/plain",
        "internalId": str(uuid.uuid4()),
    }
    entry.update(overrides)
    return entry


def documents(table_number: int, count: int, **fields: Any) -> list[dict[str, Any]]:
    """`count` documents with fresh ids of `table_number`, sorted by `_id` as Convex writes them."""
    rows = [{"_id": new_id(table_number), "_creationTime": 1700000000000.5 + i, "n": i, **fields} for i in range(count)]
    return sorted(rows, key=lambda d: d["_id"])


def upload(
    client: httpx.Client,
    data: bytes,
    *,
    mode: str = "requireEmpty",
    fmt: str = "zip",
    table: str | None = None,
    part_size: int = 64 * 1024,
) -> str:
    """The CLI's multipart protocol; returns the import id."""
    reply = client.post("/api/import/start_upload")
    assert reply.status_code == 200, reply.text
    token = reply.json()["uploadToken"]
    parts = []
    for number, start in enumerate(range(0, max(len(data), 1), part_size), start=1):
        reply = client.post(
            "/api/import/upload_part",
            params={"uploadToken": token, "partNumber": number},
            content=data[start : start + part_size],
            headers={"Content-Type": "application/octet-stream"},
        )
        assert reply.status_code == 200, reply.text
        parts.append(reply.json())
    spec: dict[str, Any] = {"format": fmt, "mode": mode}
    if table is not None:
        spec["tableName"] = table
    reply = client.post("/api/import/finish_upload", json={"import": spec, "uploadToken": token, "partTokens": parts})
    assert reply.status_code == 200, reply.text
    return reply.json()["importId"]


def get_import(client: httpx.Client, import_id: str) -> dict[str, Any]:
    return query(client, "_system/cli/queryImport", {"importId": import_id})


def wait_state(client: httpx.Client, import_id: str, *states: str, timeout: float = 30) -> dict[str, Any]:
    def reached():
        document = get_import(client, import_id)
        return document if document["state"]["state"] in states else None

    return wait_for(reached, timeout=timeout, interval=0.02, message=f"import in {states}")


def confirm(client: httpx.Client, import_id: str) -> None:
    reply = client.post("/api/perform_import", json={"importId": import_id})
    assert reply.status_code == 200, reply.text


def run_import(client: httpx.Client, data: bytes, mode: str = "replaceAll", **kwargs: Any) -> dict[str, Any]:
    """Upload, confirm whatever the summary says, and return the finished import document."""
    import_id = upload(client, data, mode=mode, **kwargs)
    document = wait_state(client, import_id, "waiting_for_confirmation", *TERMINAL)
    if document["state"]["state"] == "waiting_for_confirmation":
        confirm(client, import_id)
        document = wait_state(client, import_id, *TERMINAL)
    return document


def seed(client: httpx.Client, tables: dict[str, list[dict[str, Any]]], **kwargs: Any) -> None:
    """Put data in a deployment the way this feature is meant to: a replaceAll import."""
    document = run_import(client, make_zip(tables, **kwargs), "replaceAll")
    assert document["state"]["state"] == "completed", document["state"]


def dump(client: httpx.Client) -> dict[str, Any]:
    """Every root table's documents by id, plus the `_storage` files, read over HTTP."""
    mapping = query(client, "_system/frontend/getTableMapping", {})
    tables: dict[str, Any] = {}
    for name in mapping.values():
        if name.startswith("_"):
            continue
        rows: dict[str, Any] = {}
        cursor = None
        while True:
            page = query(
                client,
                "_system/frontend/paginatedTableDocuments",
                {"table": name, "paginationOpts": {"numItems": 1000.0, "cursor": cursor}},
            )
            rows.update({d["_id"]: d for d in page["page"]})
            if page["isDone"]:
                break
            cursor = page["continueCursor"]
        tables[name] = rows
    tables["#files"] = query(client, "_system/frontend/fileStorageV2:numFiles", {})
    tables["#mapping"] = mapping
    return tables
