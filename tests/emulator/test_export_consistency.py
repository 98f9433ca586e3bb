"""An export is the data as of one instant, even while writes (and file deletions) continue."""

from __future__ import annotations

import io
import threading
import zipfile
from collections import Counter

import orjson
from convex_http import latest_export, mutation, query
from sandbox_process import wait_for

BATCH = 10


def _writer(client, stop: threading.Event, written: list[int]) -> None:
    """Insert batches of BATCH documents, one mutation each, then delete every third earlier batch."""
    batch = 0
    while not stop.is_set():
        docs = [{"batch": batch, "k": k} for k in range(BATCH)]
        mutation(client, "_system/frontend/addDocument", {"table": "ledger", "documents": docs})
        written.append(batch)
        if batch % 3 == 2:
            page = query(
                client,
                "_system/frontend/paginatedTableDocuments",
                {"table": "ledger", "paginationOpts": {"numItems": 200.0, "cursor": None}, "filters": None},
            )
            victims = [d for d in page["page"] if d["batch"] == batch - 2]
            if victims:
                mutation(
                    client,
                    "_system/frontend/deleteDocuments",
                    {"toDelete": [{"id": d["_id"], "tableName": "ledger"} for d in victims]},
                )
        batch += 1


def test_export_under_concurrent_writes_is_a_consistent_snapshot(slow_sandbox):
    with slow_sandbox.client() as client, slow_sandbox.client() as writer_client:
        # A file that will be deleted while the export runs must still be in the ZIP.
        doomed = client.post("/api/storage/upload", content=b"still here", headers={"Content-Type": "text/plain"})
        doomed_id = doomed.json()["storageId"]
        mutation(
            client,
            "_system/frontend/addDocument",
            {"table": "ledger", "documents": [{"batch": -1, "k": k} for k in range(BATCH)]},
        )

        stop, written = threading.Event(), []
        thread = threading.Thread(target=_writer, args=(writer_client, stop, written), daemon=True)
        thread.start()
        try:
            wait_for(lambda: len(written) >= 3, message="writes before the export")
            assert client.post("/api/export/request/zip?includeStorage=true").status_code == 200
            # Once the worker is writing tables, its snapshot is fixed: delete the file now.
            wait_for(
                lambda: (latest_export(client).get("progress_message") or "").startswith("Backing up"),
                message="export writing",
            )
            mutation(client, "_system/frontend/fileStorageV2:deleteFiles", {"storageIds": [doomed_id]})
            export = wait_for(
                lambda: (e := latest_export(client)) and e["state"] == "completed" and e, message="export completion"
            )
            batches_after = len(written)
        finally:
            stop.set()
            thread.join(10)

        assert batches_after > 3, "writes must have continued during the export"
        content = client.get(f"/api/export/zip/{export['_id']}").content
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            documents = [orjson.loads(line) for line in archive.read("ledger/documents.jsonl").splitlines()]
            per_batch = Counter(d["batch"] for d in documents)
            # Every batch is all-or-nothing: a snapshot never shows half of one mutation.
            assert set(per_batch.values()) == {BATCH}, per_batch
            # Nothing written after the snapshot time is in it.
            snapshot_ms = export["start_ts"] / 1_000_000  # int/int rounds once, as the server does
            late = [d for d in documents if d["_creationTime"] > snapshot_ms]
            assert not late, (snapshot_ms, export, late[:3])
            storage = [orjson.loads(line) for line in archive.read("_storage/documents.jsonl").splitlines()]
            assert [s["_id"] for s in storage] == [doomed_id]
            blob = next(n for n in archive.namelist() if n.startswith(f"_storage/{doomed_id}"))
            assert archive.read(blob) == b"still here"
        # ...while the live deployment no longer has the file.
        assert query(client, "_system/frontend/fileStorageV2:numFiles") == 0
