"""Snapshot export over HTTP: the `_exports` state machine, download, Range, cancel, expiration."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from convex_http import latest_export, mutation, query
from sandbox_process import wait_for

DAY_NS = 24 * 3600 * 10**9


def _seed(client, rows: int = 50) -> None:
    for start in range(0, rows, 25):
        docs = [{"n": i, "label": f"row {i}"} for i in range(start, min(rows, start + 25))]
        assert mutation(client, "_system/frontend/addDocument", {"table": "items", "documents": docs})["success"]


def _completed(client) -> dict:
    return wait_for(lambda: (e := latest_export(client)) and e["state"] == "completed" and e, message="export")


def test_states_progress_and_download(slow_sandbox):
    with slow_sandbox.client() as client:
        _seed(client, 30)
        assert client.post("/api/export/request/zip?includeStorage=false").status_code == 200
        requested = latest_export(client)
        assert requested["state"] == "requested"
        assert requested["format"] == {"format": "zip", "include_storage": False}
        assert requested["requestor"] == "snapshotExport"
        assert requested["expiration_ts"] - int(requested["_creationTime"] * 1e6) == pytest.approx(
            14 * DAY_NS, rel=1e-6
        )

        seen_states, messages = set(), set()

        def progressed():
            export = latest_export(client)
            seen_states.add(export["state"])
            if export.get("progress_message"):
                messages.add(export["progress_message"])
            return export["state"] == "completed" and export

        export = wait_for(progressed, message="completion")
        assert {"in_progress", "completed"} <= seen_states
        assert "Beginning backup" in messages
        # Convex's words exactly (tui/emulator/README.md): no "(table i of N)", which Convex never sends.
        assert {"Backing up _tables", "Backing up items", "Backing up items: 30 / 30 documents"} <= messages
        assert not any("(table" in m for m in messages), messages
        assert export["start_ts"] <= export["complete_ts"]
        assert export["size"] > 0 and "progress_message" not in export

        by_id = client.get(f"/api/export/zip/{export['_id']}")
        by_ts = client.get(f"/api/export/zip/{export['start_ts']}")
        assert by_id.status_code == by_ts.status_code == 200
        assert by_id.content == by_ts.content and len(by_id.content) == export["size"]
        assert by_id.headers["content-disposition"] == (
            f"attachment; filename=snapshot_{slow_sandbox.name}_{export['start_ts']}.zip"
        )
        assert by_id.headers["cache-control"] == "private, max-age=2592000"
        assert int(by_id.headers["content-length"]) == export["size"]
        with zipfile.ZipFile(io.BytesIO(by_id.content)) as archive:
            lines = archive.read("items/documents.jsonl").splitlines()
            assert len(lines) == 30
            assert archive.read("items/generated_schema.jsonl") == b'"uniform"\n'


def test_one_export_at_a_time(slow_sandbox):
    with slow_sandbox.client() as client:
        assert client.post("/api/export/request/zip").status_code == 200
        second = client.post("/api/export/request/zip")
        assert second.status_code == 400 and second.json()["code"] == "ExportInProgress"
        _completed(client)
        assert client.post("/api/export/request/zip").status_code == 200


def test_the_download_answers_like_convex_whole_file_and_no_range(sandbox):
    """Convex's `get_zip_export` sends Content-Length, Content-Disposition and Cache-Control only and
    ignores Range: a resumed download gets the whole file again."""
    with sandbox.client() as client:
        _seed(client, 200)
        client.post("/api/export/request/zip")
        export = _completed(client)
        whole = client.get(f"/api/export/zip/{export['_id']}")
        part = client.get(f"/api/export/zip/{export['_id']}", headers={"Range": "bytes=100-"})
        assert part.status_code == 200 and "content-range" not in part.headers
        assert part.content == whole.content
        assert int(whole.headers["content-length"]) == len(whole.content)
        assert whole.headers["content-disposition"].startswith("attachment; filename=snapshot_")
        assert whole.headers["cache-control"] == "private, max-age=2592000"
        for absent in ("accept-ranges", "etag", "last-modified", "content-type", "content-range"):
            assert absent not in whole.headers, absent
        head = client.head(f"/api/export/zip/{export['_id']}")
        assert head.status_code == 200 and head.headers["content-length"] == whole.headers["content-length"]


def test_download_errors(slow_sandbox):
    with slow_sandbox.client() as client:
        bad = client.get("/api/export/zip/not-an-id")
        assert (bad.status_code, bad.json()["code"]) == (400, "BadSnapshotId")
        missing = client.get("/api/export/zip/123456789")
        assert (missing.status_code, missing.json()["code"]) == (404, "ExportNotFound")
        client.post("/api/export/request/zip")
        pending = latest_export(client)
        early = client.get(f"/api/export/zip/{pending['_id']}")
        assert (early.status_code, early.json()["code"]) == (400, "ExportNotComplete")


def test_cancel_requested_and_in_progress(slow_sandbox):
    with slow_sandbox.client() as client:
        client.post("/api/export/request/zip")
        export = latest_export(client)
        assert client.post(f"/api/export/cancel/{export['_id']}").status_code == 200
        canceled = latest_export(client)
        assert canceled["state"] == "canceled" and canceled["start_ts"] is None and canceled["canceled_ts"] > 0

        _seed(client, 10)
        client.post("/api/export/request/zip")
        wait_for(lambda: latest_export(client)["state"] == "in_progress", message="in_progress")
        export = latest_export(client)
        assert client.post(f"/api/export/cancel/{export['_id']}").status_code == 200
        assert latest_export(client)["state"] == "canceled"
        time.sleep(1.0)  # give the worker time to notice and stop
        # A canceled export never completes, and its id cannot be downloaded.
        assert latest_export(client)["state"] == "canceled"
        assert client.get(f"/api/export/zip/{export['_id']}").json()["code"] == "ExportNotComplete"
        # Terminal states cannot be canceled (Convex answers an unstructured 500).
        assert client.post(f"/api/export/cancel/{export['_id']}").status_code == 500


def test_set_expiration(sandbox):
    with sandbox.client() as client:
        client.post("/api/export/request/zip")
        export = _completed(client)
        new_expiry = export["expiration_ts"] + DAY_NS
        reply = client.post(f"/api/export/set_expiration/{export['_id']}", json={"expirationTsNs": new_expiry})
        assert reply.status_code == 200
        assert latest_export(client)["expiration_ts"] == new_expiry
        assert client.post("/api/export/set_expiration/garbage", json={"expirationTsNs": 1}).status_code == 500


def test_auth_is_checked_on_every_export_route(sandbox):
    with sandbox.client(key=f"{sandbox.name}|{'ab' * 32}") as wrong:
        for method, path in [
            ("POST", "/api/export/request/zip"),
            ("GET", "/api/export/zip/1"),
            ("POST", "/api/export/cancel/x"),
            ("POST", "/api/export/set_expiration/x"),
        ]:
            reply = wrong.request(method, path, json={} if "expiration" in path else None)
            assert (reply.status_code, reply.json()["code"]) == (401, "BadAdminKey"), path


def test_other_system_queries(sandbox):
    with sandbox.client() as client:
        assert query(client, "_system/frontend/latestExport") is None
        assert query(client, "_system/frontend/latestExport:latestCloudExport") is None
        assert query(client, "_system/frontend/latestExport:canExportFileStorage") is True
