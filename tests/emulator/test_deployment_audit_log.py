"""GET /api/v1/list_audit_log_events: the data-editing events with their
metadata, `from`, paging oldest first, and no event for an edit that rolled back."""

from __future__ import annotations

import pytest
from convex_http import mutation, query
from sandbox_process import SandboxProcess

AUDIT = "/api/v1/list_audit_log_events"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = SandboxProcess(tmp_path_factory.mktemp("audit")).start()
    yield process
    process.stop()


@pytest.fixture
def client(server):
    with server.client() as client:
        yield client


def _events(client, since: float = 0, **params) -> list[dict]:
    reply = client.get(AUDIT, params={"from": int(since), "limit": 100, **params})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["pagination"]["hasMore"] is False
    return body["items"]


def _latest(client) -> dict:
    return _events(client)[-1]


def _ids(client, table: str) -> list[str]:
    page = query(
        client,
        "_system/frontend/paginatedTableDocuments",
        {"table": table, "paginationOpts": {"numItems": 100.0, "cursor": None}, "filters": None},
    )
    return [d["_id"] for d in page["page"]]


def test_every_edit_is_audited_with_its_ids_and_component(client):
    mutation(client, "_system/frontend/addDocument", {"table": "notes", "documents": [{"n": 1.0}, {"n": 2.0}]})
    added = _latest(client)
    assert added["action"] == "add_documents"
    assert added["metadata"]["table"] == "notes"
    assert sorted(added["metadata"]["document_ids"]) == sorted(_ids(client, "notes"))  # the only place ids show
    assert added["metadata"]["component"] is None and added["metadata"]["component_id"] is None
    first, second = added["metadata"]["document_ids"]

    mutation(client, "_system/frontend/patchDocumentsFields", {"table": "notes", "fields": {"n": 3.0}, "ids": [first]})
    assert (_latest(client)["action"], _latest(client)["metadata"]["document_ids"]) == ("update_documents", [first])

    mutation(client, "_system/frontend/replaceDocument", {"id": second, "document": {"n": 9.0}})
    replaced = _latest(client)
    assert replaced["action"] == "update_documents"
    assert replaced["metadata"]["table"] == "notes"  # from the id's table number: no table argument
    assert replaced["metadata"]["document_ids"] == [second]

    mutation(client, "_system/frontend/addDocument", {"table": "tags", "documents": [{"t": "x"}]})
    tag = _latest(client)["metadata"]["document_ids"][0]
    before = len(_events(client))
    mutation(
        client,
        "_system/frontend/deleteDocuments",
        {
            "toDelete": [
                {"id": first, "tableName": "notes"},
                {"id": tag, "tableName": "tags"},
                {"id": second, "tableName": "notes"},
            ]
        },
    )
    deleted = _events(client)[before:]
    assert [(e["action"], e["metadata"]["table"], e["metadata"]["document_ids"]) for e in deleted] == [
        ("delete_documents", "notes", [first, second]),
        ("delete_documents", "tags", [tag]),
    ]


def test_file_deletion_is_audited(client):
    storage_id = client.post("/api/storage/upload", content=b"x", headers={"Content-Type": "text/plain"}).json()[
        "storageId"
    ]
    mutation(client, "_system/frontend/fileStorageV2:deleteFiles", {"storageIds": [storage_id]})
    assert (_latest(client)["action"], _latest(client)["metadata"]["storage_ids"]) == ("delete_files", [storage_id])


def test_a_failed_edit_leaves_no_event(client):
    before = len(_events(client))
    body = {
        "path": "_system/frontend/deleteDocuments",
        "format": "convex_encoded_json",
        "args": {"toDelete": [{"id": "k57aaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "tableName": "notes"}]},
    }
    assert client.post("/api/mutation", json=body).json()["status"] == "error"
    assert len(_events(client)) == before


def test_from_filters_and_pages_go_oldest_first(client):
    mutation(client, "_system/frontend/addDocument", {"table": "paging", "documents": [{"i": 0.0}]})
    cut = _latest(client)["createTime"] + 1
    for i in range(1, 6):
        mutation(client, "_system/frontend/addDocument", {"table": "paging", "documents": [{"i": float(i)}]})
    recent = _events(client, since=cut)
    assert len(recent) == 5 and all(e["createTime"] >= cut for e in recent)
    times = [e["createTime"] for e in recent]
    assert times == sorted(times)

    seen, cursor = [], None
    while True:
        params = {"from": cut, "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get(AUDIT, params=params).json()
        seen += [e["id"] for e in body["items"]]
        if not body["pagination"]["hasMore"]:
            break
        cursor = body["pagination"]["nextCursor"]
    assert seen == [e["id"] for e in recent]


def test_default_limit_and_bad_parameters(client):
    for _ in range(16):
        mutation(client, "_system/frontend/addDocument", {"table": "many", "documents": [{}]})
    body = client.get(AUDIT, params={"from": 0}).json()
    assert len(body["items"]) == 15 and body["pagination"]["hasMore"] is True
    for params in ({}, {"from": "yesterday"}, {"from": 0, "limit": 0}, {"from": 0, "limit": 101}):
        reply = client.get(AUDIT, params=params)
        assert reply.status_code == 400 and reply.json()["code"] == "BadQueryArgs", params
