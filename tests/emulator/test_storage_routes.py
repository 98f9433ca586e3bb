"""POST /api/storage/upload and GET /api/storage/{id}: bytes in, the same bytes and type out."""

from __future__ import annotations

import base64
import hashlib
import os

import httpx
import pytest
from sandbox_process import SandboxProcess

from tui.emulator.deployment.auth import VIEW_DATA
from tui.emulator.sandbox.folder import SandboxFolder


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("storage")
    folder = SandboxFolder(data)
    name = folder.create_deployment()
    process = SandboxProcess(data)
    process.view_only_key = folder.keys(name).create_restricted([VIEW_DATA])
    process.start()
    process.key = process.admin_key
    yield process
    process.stop()


@pytest.fixture
def client(server):
    with server.client(server.key) as client:
        yield client


def _metadata(client, storage_id: str) -> dict:
    body = {"path": "_system/frontend/getById", "args": {"id": storage_id}, "format": "convex_encoded_json"}
    return client.post("/api/query", json=body).json()["value"]


def test_round_trip_keeps_bytes_and_content_type(client):
    reply = client.post("/api/storage/upload", content=b"hello, file", headers={"Content-Type": "text/plain"})
    assert reply.status_code == 200
    storage_id = reply.json()["storageId"]
    download = client.get(f"/api/storage/{storage_id}")
    assert download.status_code == 200 and download.content == b"hello, file"
    assert download.headers["content-type"] == "text/plain"  # as stored: no charset added
    assert download.headers["content-length"] == "11"


def test_large_streamed_upload(client):
    data = os.urandom(3 * 1024 * 1024 + 17)

    def chunks():  # a chunked request body: the server never sees a Content-Length
        for start in range(0, len(data), 256 * 1024):
            yield data[start : start + 256 * 1024]

    reply = client.post("/api/storage/upload", content=chunks(), headers={"Content-Type": "application/zip"})
    storage_id = reply.json()["storageId"]
    meta = _metadata(client, storage_id)
    assert meta["size"] == float(len(data))
    assert meta["sha256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert client.get(f"/api/storage/{storage_id}").content == data


def test_empty_file_without_content_type(client):
    reply = client.post("/api/storage/upload", content=b"", headers={"Content-Type": ""})
    storage_id = reply.json()["storageId"]
    download = client.get(f"/api/storage/{storage_id}")
    assert download.content == b"" and download.headers["content-type"] == "application/octet-stream"


def test_unknown_files_are_404(client):
    assert client.get("/api/storage/no-such-file").status_code == 404
    add = {"path": "_system/frontend/addDocument", "args": {"table": "t", "documents": [{}]}}
    assert client.post("/api/mutation", json=add).json()["status"] == "success"
    listing = {
        "path": "_system/frontend/paginatedTableDocuments",
        "args": {"table": "t", "paginationOpts": {"numItems": 1.0, "cursor": None}, "filters": None},
    }
    (document,) = client.post("/api/query", json=listing).json()["value"]["page"]
    reply = client.get(f"/api/storage/{document['_id']}")  # a valid id, but of a user table
    assert reply.status_code == 404 and reply.json()["code"] == "FileNotFound"


def test_upload_needs_a_key_that_may_write(server):
    with httpx.Client(base_url=server.url) as anonymous:
        reply = anonymous.post("/api/storage/upload", content=b"x")
        assert reply.status_code == 403 and reply.json()["code"] == "BadDeployKey"
    with server.client(server.view_only_key) as viewer:
        reply = viewer.post("/api/storage/upload", content=b"x")
        assert reply.status_code == 403 and "(deployment:data:write)" in reply.json()["message"]
