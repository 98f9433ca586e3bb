"""The dashboard's data functions: browse, count, page and edit documents."""

from __future__ import annotations

import base64
import threading

import orjson
import pytest
from sandbox_process import SandboxProcess

from tui.archive.ids import decode_id
from tui.values.encoding import decode_encoded_value, encode_json_value
from tui.emulator.functions.data_edit import UNDEFINED_PLACEHOLDER


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = SandboxProcess(tmp_path_factory.mktemp("data")).start()
    process.key = process.admin_key
    yield process
    process.stop()


@pytest.fixture
def client(server):
    with server.client(server.key) as client:
        yield client


def _call(client, kind: str, path: str, args: dict) -> dict:
    body = {"path": path, "args": [encode_json_value(args)], "format": "convex_encoded_json"}
    envelope = client.post(f"/api/{kind}", json=body).json()
    if envelope["status"] == "success":
        envelope["value"] = decode_encoded_value(envelope["value"])
    return envelope


def ok(client, kind: str, path: str, **args):
    envelope = _call(client, kind, path, args)
    assert envelope["status"] == "success", envelope.get("errorMessage")
    return envelope["value"]


def failure(client, kind: str, path: str, **args) -> str:
    envelope = _call(client, kind, path, args)
    assert envelope["status"] == "error", envelope
    return envelope["errorMessage"]


def add(client, table: str, *documents: dict) -> None:
    assert ok(client, "mutation", "_system/frontend/addDocument", table=table, documents=list(documents)) == {
        "success": True
    }


def page(client, table: str, num: float = 100.0, cursor=None, filters=None) -> dict:
    options = {"numItems": num, "cursor": cursor}
    return ok(
        client,
        "query",
        "_system/frontend/paginatedTableDocuments",
        table=table,
        paginationOpts=options,
        filters=filters,
    )


def all_docs(client, table: str) -> list[dict]:
    return page(client, table)["page"]


def filters(expression: dict) -> str:
    """As the dashboard encodes them: URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(orjson.dumps(expression)).decode().rstrip("=")


def test_mapping_and_counts(client):
    add(client, "users", {"n": 1.0}, {"n": 2.0}, {"n": 3.0})
    add(client, "posts", {"t": "a"}, {"t": "b"})
    mapping = ok(client, "query", "_system/frontend/getTableMapping")
    names = {name: int(number) for number, name in mapping.items()}
    assert names["_file_storage"] == 540 and names["_scheduled_jobs"] == 539
    assert names["users"] >= 10001 and names["posts"] >= 10001
    assert list(mapping) == sorted(mapping, key=int)
    assert decode_id(all_docs(client, "users")[0]["_id"])[0] == names["users"]
    assert ok(client, "query", "_system/frontend/tableSize", tableName="users") == 3.0
    assert ok(client, "query", "_system/cli/tableSize", tableName="posts") == 2.0
    assert ok(client, "query", "_system/frontend/tableSize", tableName="nothing") == 0.0
    assert ok(client, "query", "_system/frontend/tableSize", tableName="") == 0.0
    assert "system table" in failure(client, "query", "_system/frontend/tableSize", tableName="_storage")
    assert ok(client, "query", "_system/frontend/tableSize:sizeOfAllTables") >= 5.0
    tables = ok(client, "query", "_system/cli/tables", paginationOpts={"numItems": 10.0, "cursor": None})
    assert {"name": "users"} in tables["page"] and tables["isDone"] is True
    assert "not found" in failure(client, "query", "_system/frontend/getTableMapping", componentId="nope")


def test_values_keep_their_types(client):
    add(client, "typed", {"i": 5, "f": 5.0, "b": b"\x00\xff", "nested": {"_ok": [None, True, "s"]}})
    (doc,) = all_docs(client, "typed")
    assert type(doc["i"]) is int and type(doc["f"]) is float and doc["b"] == b"\x00\xff"
    assert doc["nested"] == {"_ok": [None, True, "s"]}
    assert ok(client, "query", "_system/frontend/getById", id=doc["_id"]) == doc


def test_add_document_limits_and_validation(client):
    too_many = ok(client, "mutation", "_system/frontend/addDocument", table="many", documents=[{}] * 4097)
    assert too_many["success"] is False and "4096" in too_many["error"]
    for bad, expected in [
        ({"_id": "x"}, "_id"),
        ({"_creationTime": 1.0}, "_creationTime"),
        ({"_private": 1.0}, "_private"),
        ({"big": "x" * 1_100_000}, "ValueTooLargeError"),
        ({"a": [0.0] * 8193}, "Array length"),
    ]:
        assert expected in failure(client, "mutation", "_system/frontend/addDocument", table="bad", documents=[bad])
    nested: dict = {}
    for _ in range(17):
        nested = {"n": nested}
    assert "nested" in failure(client, "mutation", "_system/frontend/addDocument", table="bad", documents=[nested])
    assert "object" in failure(client, "mutation", "_system/frontend/addDocument", table="bad", documents=["x"])
    assert failure(client, "mutation", "_system/frontend/addDocument", table="_system_table", documents=[{}])
    # One bad document rolls back the whole call.
    failure(client, "mutation", "_system/frontend/addDocument", table="bad", documents=[{"fine": 1.0}, {"_id": "x"}])
    assert ok(client, "query", "_system/frontend/tableSize", tableName="bad") == 0.0
    dollar = {"path": "_system/frontend/addDocument", "args": {"table": "bad", "documents": [{"a": 1, "$b": 2}]}}
    assert "ArgumentValidationError" in client.post("/api/mutation", json=dollar).json()["errorMessage"]


def test_patch_documents_fields(client):
    add(client, "patchy", {"a": 1.0, "b": "keep", "gone": True}, {"a": 2.0, "b": "keep"})
    first, second = all_docs(client, "patchy")
    changes = {"a": 10.0, "gone": UNDEFINED_PLACEHOLDER, "new": "n"}
    ok(client, "mutation", "_system/frontend/patchDocumentsFields", table="patchy", fields=changes, ids=[first["_id"]])
    patched = ok(client, "query", "_system/frontend/getById", id=first["_id"])
    assert patched == {"_id": first["_id"], "_creationTime": first["_creationTime"], "a": 10.0, "b": "keep", "new": "n"}
    ok(client, "mutation", "_system/frontend/patchDocumentsFields", table="patchy", fields={"b": "all"})
    assert [d["b"] for d in all_docs(client, "patchy")] == ["all", "all"]
    # A missing id fails the call and nothing is patched.
    ok(client, "mutation", "_system/frontend/deleteDocuments", toDelete=[{"id": second["_id"], "tableName": "patchy"}])
    assert failure(
        client,
        "mutation",
        "_system/frontend/patchDocumentsFields",
        table="patchy",
        fields={"b": "x"},
        ids=[first["_id"], second["_id"]],
    )
    assert ok(client, "query", "_system/frontend/getById", id=first["_id"])["b"] == "all"
    assert "InvalidIdError" in failure(
        client,
        "mutation",
        "_system/frontend/patchDocumentsFields",
        table="patchy",
        fields={"_id": second["_id"]},
        ids=[first["_id"]],
    )


def test_replace_document(client):
    add(client, "replaced", {"a": 1.0, "b": 2.0})
    (doc,) = all_docs(client, "replaced")
    edited = {"_id": doc["_id"], "_creationTime": doc["_creationTime"], "c": 3.0}
    assert ok(client, "mutation", "_system/frontend/replaceDocument", id=doc["_id"], document=edited)["success"]
    assert ok(client, "query", "_system/frontend/getById", id=doc["_id"]) == edited
    moved = {**edited, "_creationTime": 1.0}
    assert "InvalidCreationTimeError" in failure(
        client, "mutation", "_system/frontend/replaceDocument", id=doc["_id"], document=moved
    )
    ok(client, "mutation", "_system/frontend/deleteDocuments", toDelete=[{"id": doc["_id"], "tableName": "replaced"}])
    gone = ok(client, "mutation", "_system/frontend/replaceDocument", id=doc["_id"], document={"c": 4.0})
    assert gone == {"success": False, "error": "Document does not exist."}
    assert failure(client, "mutation", "_system/frontend/replaceDocument", id="not-an-id", document={})


def test_delete_documents(client):
    add(client, "doomed", {"k": 1.0}, {"k": 2.0})
    first, second = all_docs(client, "doomed")
    ok(client, "mutation", "_system/frontend/deleteDocuments", toDelete=[{"id": first["_id"], "tableName": "x"}])
    both = [{"id": second["_id"], "tableName": "doomed"}, {"id": first["_id"], "tableName": "doomed"}]
    assert "nonexistent" in failure(client, "mutation", "_system/frontend/deleteDocuments", toDelete=both)
    assert all_docs(client, "doomed") == [second]  # the failed call deleted nothing
    too_many = [{"id": second["_id"], "tableName": "doomed"}] * 4097
    assert ok(client, "mutation", "_system/frontend/deleteDocuments", toDelete=too_many)["success"] is False


def test_get_by_id(client):
    assert ok(client, "query", "_system/frontend/getById", id="not-an-id") is None
    upload = client.post("/api/storage/upload", content=b"abc", headers={"Content-Type": "text/plain"})
    storage_id = upload.json()["storageId"]
    file_doc = ok(client, "query", "_system/frontend/getById", id=storage_id)
    assert file_doc["size"] == 3.0 and file_doc["contentType"] == "text/plain" and "internalId" not in file_doc


def test_pagination_order_and_cursors(client):
    for i in range(7):
        add(client, "paged", {"i": float(i)})
    add(client, "paged", {"i": 7.0}, {"i": 8.0}, {"i": 9.0})  # one transaction: one creation time
    seen, cursor = [], None
    while True:
        result = page(client, "paged", 3.0, cursor)
        assert len(result["page"]) <= 3
        seen += [d["i"] for d in result["page"]]
        cursor = result["continueCursor"]
        if result["isDone"]:
            break
    assert seen == [float(i) for i in reversed(range(10))]  # newest first
    ascending = page(client, "paged", filters=filters({"clauses": [], "order": "asc"}))["page"]
    assert [d["i"] for d in ascending] == [float(i) for i in range(10)]
    target = ascending[4]
    by_id = filters({"clauses": [{"op": "eq", "field": "_id", "value": target["_id"], "enabled": True}]})
    assert page(client, "paged", filters=by_id)["page"] == [target]
    assert page(client, "nowhere")["page"] == [] and page(client, "nowhere")["isDone"] is True
    assert page(client, "paged", 0.0)["isDone"] is False


def test_pagination_errors(client):
    args = {"table": "paged", "paginationOpts": {"numItems": 5, "cursor": None}, "filters": None}  # Int64 5
    message = failure(client, "query", "_system/frontend/paginatedTableDocuments", **args)
    assert "ArgumentValidationError" in message and ".paginationOpts.numItems" in message
    unsupported = filters({"clauses": [{"op": "gt", "field": "i", "value": 3.0}]})
    assert "not support" in failure(
        client,
        "query",
        "_system/frontend/paginatedTableDocuments",
        table="paged",
        paginationOpts={"numItems": 5.0, "cursor": None},
        filters=unsupported,
    )
    assert "cursor" in failure(
        client,
        "query",
        "_system/frontend/paginatedTableDocuments",
        table="paged",
        paginationOpts={"numItems": 5.0, "cursor": "garbage!"},
        filters=None,
    )
    assert failure(
        client,
        "query",
        "_system/frontend/paginatedTableDocuments",
        table="_storage",
        paginationOpts={"numItems": 5.0, "cursor": None},
        filters=None,
    )


def test_cli_table_data(client):
    add(client, "cli_rows", {"i": 0.0}, {"i": 1.0})
    options = {"numItems": 1.0, "cursor": None}
    first = ok(client, "query", "_system/cli/tableData", table="cli_rows", order="asc", paginationOpts=options)
    assert [d["i"] for d in first["page"]] == [0.0] and first["isDone"] is False
    options = {"numItems": 5.0, "cursor": first["continueCursor"]}
    rest = ok(client, "query", "_system/cli/tableData", table="cli_rows", order="asc", paginationOpts=options)
    assert [d["i"] for d in rest["page"]] == [1.0] and rest["isDone"] is True
    client.post("/api/storage/upload", content=b"listed")
    files = ok(
        client, "query", "_system/cli/tableData", table="_storage", paginationOpts={"numItems": 50.0, "cursor": None}
    )
    assert files["page"] and all("sha256" in f and "internalId" not in f for f in files["page"])


def test_files(client):
    before = ok(client, "query", "_system/frontend/fileStorageV2:numFiles")
    ids = [client.post("/api/storage/upload", content=b"f%d" % i).json()["storageId"] for i in range(2)]
    assert ok(client, "query", "_system/frontend/fileStorageV2:numFiles") == before + 2
    assert ok(client, "mutation", "_system/frontend/fileStorageV2:deleteFiles", storageIds=[ids[0]]) is None
    assert ok(client, "query", "_system/frontend/fileStorageV2:numFiles") == before + 1
    assert client.get(f"/api/storage/{ids[0]}").status_code == 404
    assert "not found" in failure(
        client, "mutation", "_system/frontend/fileStorageV2:deleteFiles", storageIds=[ids[1], ids[0]]
    )
    assert client.get(f"/api/storage/{ids[1]}").content == b"f1"  # the failed call deleted nothing


def test_concurrent_writers(server):
    def writer(n: int) -> None:
        with server.client(server.key) as client:
            for _ in range(10):
                add(client, "contended", *[{"writer": float(n)}] * 5)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    with server.client(server.key) as client:
        assert ok(client, "query", "_system/frontend/tableSize", tableName="contended") == 200.0
