"""Helpers for the demo seed and traffic tests: read tables (live or from a ZIP) and find dangling references."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import orjson
from convex_http import latest_export

from tui.archive.ids import decode_id, is_valid_id
from tui.values.encoding import decode_export_document
from tui.emulator.deployment.deployment import Deployment
from tui.emulator.deployment.documents import iter_bodies
from tui.emulator.deployment.tables import STORAGE_TABLE, STORAGE_TABLE_NUMBER, active_tablets

Tables = dict[str, list[dict[str, Any]]]  # table name -> documents (`_storage` rows as their index entries)


def id_strings(value: Any) -> Iterator[str]:
    """Every string inside `value` that is a valid document id: the references a document holds."""
    if isinstance(value, str) and is_valid_id(value):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from id_strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != "_id":
                yield from id_strings(item)


def dangling_references(tables: Tables, numbers: dict[str, int]) -> list[tuple[str, str, str]]:
    """(table, document id, referenced id) for every reference to a document or file that is not there."""
    present = {numbers[name]: {doc["_id"] for doc in docs} for name, docs in tables.items()}
    dangling = []
    for name, docs in tables.items():
        for doc in docs:
            for ref in id_strings(doc):
                if ref not in present.get(decode_id(ref)[0], ()):
                    dangling.append((name, doc["_id"], ref))
    return dangling


def count_references(tables: Tables) -> int:
    return sum(1 for docs in tables.values() for doc in docs for _ in id_strings(doc))


def live_tables(deployment: Deployment) -> tuple[Tables, dict[str, int], dict[str, list[bytes]]]:
    """Root tables as (decoded documents, table numbers, raw export-JSON lines)."""
    conn = deployment.db.connection()
    tables, numbers, lines = {}, {}, {}
    for tablet in active_tablets(conn, ""):
        lines[tablet.name] = list(iter_bodies(conn, tablet.tablet))
        decode = orjson.loads if tablet.is_storage else (lambda line: decode_export_document(orjson.loads(line)))
        tables[tablet.name] = [decode(line) for line in lines[tablet.name]]
        numbers[tablet.name] = tablet.number
    return tables, numbers, lines


def zip_tables(content: bytes) -> tuple[Tables, dict[str, int], dict[str, list[bytes]], zipfile.ZipFile]:
    """The root component of a snapshot ZIP, read as `live_tables` reads a deployment."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    index = archive.read("_tables/documents.jsonl").splitlines()
    numbers = {row["name"]: row["id"] for row in map(orjson.loads, index)}
    tables, lines = {}, {}
    for name in numbers:
        lines[name] = archive.read(f"{name}/documents.jsonl").splitlines(keepends=True)
        tables[name] = [decode_export_document(orjson.loads(line)) for line in lines[name]]
    if f"{STORAGE_TABLE}/documents.jsonl" in archive.namelist():
        lines[STORAGE_TABLE] = archive.read(f"{STORAGE_TABLE}/documents.jsonl").splitlines(keepends=True)
        tables[STORAGE_TABLE] = [orjson.loads(line) for line in lines[STORAGE_TABLE]]
        numbers[STORAGE_TABLE] = STORAGE_TABLE_NUMBER
    return tables, numbers, lines, archive


def completed_export(client: httpx.Client) -> Callable[[], dict | None]:
    """For `wait_for`: the latest export once it is completed."""

    def check() -> dict | None:
        export = latest_export(client)
        return export if export and export["state"] == "completed" else None

    return check
