"""`DeploymentClient` against the emulated deployment over loopback: functions, identity, auth errors,
the export life cycle with download (a Range ignored, as Convex does), multipart import with confirmation and cancel,
environment variables and the data functions."""

from __future__ import annotations

import asyncio
import io
import time
import zipfile

import pytest
from fault_server import FaultServer, Reply, SleepRecorder, json_reply

from tui.api.deployment.client import DeploymentClient
from tui.api.errors import (
    AuthError,
    Conflict,
    FunctionError,
    ImportFailed,
    InvalidRequest,
    PermissionDenied,
    ServerError,
)
from tui.emulator.demo.data import write_demo_zip


async def wait_until(fetch, done, timeout: float = 30.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = await fetch()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; last value {value!r}")
        await asyncio.sleep(interval)


def client(process, key: str | None = None) -> DeploymentClient:
    return DeploymentClient(process.url, key or process.key, name=process.name)


async def read_all(download) -> bytes:
    data = bytearray()
    await download.pour(data.extend, 64 * 1024)
    return bytes(data)


async def test_functions_and_identity(deployment):
    async with client(deployment) as api:
        assert repr(api) == f"DeploymentClient({deployment.url!r})"
        info = await api.deployment_info()
        assert info.is_self_hosted
        assert await api.instance_name() == deployment.name
        assert await api.mutation(
            "_system/frontend/addDocument", {"table": "notes", "documents": [{"n": 1}, {"n": 2, "big": 2**40}]}
        ) == {"success": True}
        assert "notes" in await api.user_tables()
        assert await api.table_size("notes") == 2
        with pytest.raises(FunctionError) as caught:
            await api.query("_system/does/not:exist")
        assert "Could not find public function" in str(caught.value)
        with pytest.raises(FunctionError) as caught:
            await api.query("_system/frontend/tableSize", {"tableName": 5.0})
        assert "ArgumentValidationError" in caught.value.detail


async def test_auth_errors_say_what_to_do(deployment):
    wrong = f"{deployment.name}|{'0' * 64}"
    async with client(deployment, wrong) as api:
        with pytest.raises(AuthError) as caught:
            await api.latest_export()
    assert caught.value.code == "BadAdminKey" and caught.value.status == 401
    assert f"rejected by {deployment.name}" in str(caught.value) and "fresh one" in str(caught.value)
    async with client(deployment, deployment.view_only_key) as api:
        assert await api.latest_export() is None  # viewing is allowed
        with pytest.raises(PermissionDenied) as caught:
            await api.request_export()
        assert caught.value.action == "deployment:backups:create"
        with pytest.raises(PermissionDenied):
            await api.list_env()


async def test_export_download_and_a_resume_that_gets_the_whole_file(deployment):
    async with client(deployment) as api:
        await api.request_export(include_storage=True)
        export = await wait_until(api.latest_export, lambda e: e is not None and e.is_terminal)
        assert export.state == "completed" and export.include_storage and export.size > 0
        async with api.download_export(export.id) as download:
            assert (download.status, download.offset, download.total_size) == (200, 0, export.size)
            assert download.filename == f"snapshot_{deployment.name}_{export.start_ts}.zip"
            whole = await read_all(download)
        assert len(whole) == export.size and zipfile.ZipFile(io.BytesIO(whole)).testzip() is None
        # Like Convex, the sandbox ignores Range: an offset gets the whole file from byte 0.
        async with api.download_export(export.snapshot_ts, offset=1000) as download:
            assert not download.resumed and not download.accepts_ranges
            assert (download.status, download.offset, download.total_size) == (200, 0, export.size)
            again = await read_all(download)
        assert again == whole
        future_ns = time.time_ns() + 3 * 86400 * 10**9
        await api.set_export_expiration(export.id, future_ns)
        assert (await api.latest_export()).expiration_ts == future_ns


async def test_one_export_at_a_time_and_cancel(slow_deployment):
    async with client(slow_deployment) as api:
        await api.request_export()
        with pytest.raises(Conflict) as caught:
            await api.request_export()
        assert caught.value.code == "ExportInProgress" and "one at a time" in str(caught.value)
        pending = await api.latest_export()
        await api.cancel_export(pending.id)
        canceled = await wait_until(api.latest_export, lambda e: e.is_terminal)
        assert canceled.state == "canceled" and canceled.id == pending.id


async def test_import_upload_confirm_and_browse(deployment, tmp_path):
    path = tmp_path / "demo.zip"
    counts = write_demo_zip(path, users_count=60, channels_count=5, messages_count=300)
    sent = []
    async with client(deployment) as api:
        await api.mutation("_system/frontend/addDocument", {"table": "scratch", "documents": [{"n": 1}, {"n": 2}]})
        import_id = await api.upload_import(
            path, mode="replaceAll", part_size=16 * 1024, progress=lambda done, total: sent.append((done, total))
        )
        assert len(sent) > 2 and sent[-1] == (path.stat().st_size, path.stat().st_size)
        waiting = await wait_until(
            lambda: api.get_import(import_id), lambda i: i.state in ("waiting_for_confirmation", "failed")
        )
        assert waiting.state == "waiting_for_confirmation", waiting.error_message
        assert waiting.mode == "ReplaceAll" and "messages" in waiting.message_to_confirm
        checkpoints = {c.display_table_name: c for c in waiting.checkpoints}
        assert {name: checkpoints[name].total_num_rows_to_write for name in counts} == counts
        assert checkpoints["scratch"].existing_rows_to_delete == 2  # replaceAll wipes tables not in the file
        assert waiting.require_manual_confirmation is True
        assert waiting.fraction == 0.0
        await api.perform_import(import_id)
        await api.perform_import(import_id)  # confirming twice is harmless
        done = await wait_until(lambda: api.get_import(import_id), lambda i: i.is_terminal)
        assert done.state == "completed" and done.fraction == 1.0
        assert done.num_rows_written == sum(counts.values()) and done.timestamp_ns > 0
        assert import_id in [i.id for i in await api.list_imports()]
        assert await api.table_sizes(counts) == counts
        users = [d async for d in api.iter_documents("users", page_size=25)]
        assert len(users) == counts["users"] and len({u["_id"] for u in users}) == counts["users"]
        assert isinstance(users[0]["karma"], int) and isinstance(users[0]["avatar"], bytes)  # Int64, bytes
        first = await api.page_documents("users", num_items=10)
        assert len(first.documents) == 10 and not first.is_done and first.continue_cursor
        assert (await api.table_mapping())[10001] == "users"
        with pytest.raises(Conflict) as caught:
            await api.cancel_import(import_id)
        assert caught.value.code == "CannotCancelImport"


async def test_import_cancel_and_failures(deployment, tmp_path):
    path = tmp_path / "small.zip"
    write_demo_zip(path, users_count=5, channels_count=2, messages_count=10)
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"this is not a zip file")
    async with client(deployment) as api:
        import_id = await api.upload_import(path, mode="replaceAll")
        await wait_until(lambda: api.get_import(import_id), lambda i: i.state == "waiting_for_confirmation")
        await api.cancel_import(import_id)
        canceled = await api.get_import(import_id)
        assert canceled.state == "failed" and canceled.error_message == "Import canceled"
        bad_id = await api.upload_import(broken, mode="append")
        failed = await wait_until(lambda: api.get_import(bad_id), lambda i: i.is_terminal)
        assert failed.state == "failed" and failed.error_message
        token = await api.start_upload()
        with pytest.raises(ImportFailed) as caught:
            await api.finish_upload(token, [], format="zip", table="users")
        assert caught.value.code == "InvalidName"
        with pytest.raises(ValueError):
            await api.upload_import(path, format="zip", table="users")
        with pytest.raises(FunctionError) as caught:
            await api.get_import("not-an-id")
        assert "ArgumentValidationError" in str(caught.value)


async def test_environment_variables(deployment):
    async with client(deployment) as api:
        await api.update_env({"API_KEY": "first-value-123", "SITE": "https://example.com"})
        await api.update_env({"API_KEY": "second-value-456", "SITE": None})
        env = await api.list_env()
        assert dict(env) == {"API_KEY": "second-value-456"}
        assert "second-value-456" not in repr(env) + str(env)
        with pytest.raises(InvalidRequest) as caught:
            await api.update_env({"GOOD": "a-secret-env-value", "1bad": "another-secret-value"})
        assert caught.value.code == "EnvironmentVariableNameInvalid"
        text = str(caught.value) + repr(caught.value) + (caught.value.detail or "")
        assert "a-secret-env-value" not in text and "another-secret-value" not in text


async def test_function_envelopes_and_retries_on_a_scripted_server():
    """A 560 carries a function error envelope; a query is retried on 502, a mutation never."""
    replies = {
        "/api/query": [
            Reply(502),
            json_reply({"status": "success", "value": {"n": {"$integer": "ewAAAAAAAAA="}}}),
            json_reply(
                {
                    "status": "error",
                    "errorMessage": "[Request ID: 1] Server Error\nUncaught boom",
                    "errorData": {"$integer": "AQAAAAAAAAA="},
                },
                560,
            ),
        ],
        "/api/mutation": [Reply(503)],
    }
    async with FaultServer(lambda request: replies[request.route].pop(0)) as server:
        async with DeploymentClient(server.url, "x-y-1|0123456789", sleep=SleepRecorder()) as api:
            assert await api.query("m:q") == {"n": 123}
            with pytest.raises(FunctionError) as caught:
                await api.query("m:q")
            assert caught.value.data == 1 and str(caught.value).endswith("Uncaught boom")
            with pytest.raises(ServerError):
                await api.mutation("m:write", {"v": 1})
    assert [r.route for r in server.requests] == ["/api/query"] * 3 + ["/api/mutation"]
    assert server.requests[1].json() == {"path": "m:q", "args": {}, "format": "convex_encoded_json"}
    assert server.requests[3].json()["args"] == {"v": {"$integer": "AQAAAAAAAAA="}}
