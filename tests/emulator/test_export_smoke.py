import io
import zipfile

from sandbox_process import wait_for


def _latest(client):
    body = {"path": "_system/cli/exports:getLatest", "args": {}, "format": "convex_encoded_json"}
    return client.post("/api/query", json=body).json()["value"]


def test_empty_deployment_exports_a_valid_zip(sandbox):
    with sandbox.client() as client:
        assert client.post("/api/export/request/zip?includeStorage=false").status_code == 200
        export = wait_for(lambda: (e := _latest(client)) and e["state"] == "completed" and e, message="export")
        zip_response = client.get(f"/api/export/zip/{export['_id']}")
        assert zip_response.status_code == 200
        names = zipfile.ZipFile(io.BytesIO(zip_response.content)).namelist()
        assert names == ["README.md", "_tables/documents.jsonl"]
