"""`SyncClient` over real WebSockets: live export and import states from the emulated deployment, and
reconnection, deduplication, silence and clean removal against a small scripted sync server."""

from __future__ import annotations

import asyncio
import base64
import json
import struct

import pytest
from fault_server import SleepRecorder
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

from tui.api.deployment.client import DeploymentClient
from tui.api.errors import AuthError, FunctionError, FunctionPermissionDenied, NetworkError
from tui.api.transport.http import RetryPolicy
from tui.api.deployment.sync_client import SyncClient, sync_url
from tui.emulator.demo.data import write_demo_zip

KEY = "fake-deployment-1|0123456789abcdef0123"


def _ts(n: int) -> str:
    return base64.b64encode(struct.pack("<Q", n)).decode()


def _transition(start: dict, value, *, query_set: int = 1, ts: int = 1) -> tuple[dict, dict]:
    end = {"querySet": query_set, "identity": 0, "ts": _ts(ts)}
    message = {
        "type": "Transition",
        "startVersion": start,
        "endVersion": end,
        "modifications": [{"type": "QueryUpdated", "queryId": 0, "value": value, "logLines": []}],
    }
    return message, end


ZERO = {"querySet": 0, "identity": 0, "ts": _ts(0)}


class ScriptedSyncServer:
    """Each connection runs the next script: a coroutine (websocket, hello frames) -> None."""

    def __init__(self, *scripts):
        self.scripts = list(scripts)
        self.hellos: list[list[dict]] = []
        self.after: list[dict] = []  # frames received after the hello, on any connection
        self.url = ""

    async def __aenter__(self):
        self._server = await serve(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc):
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, ws):
        hello = [json.loads(await ws.recv()) for _ in range(3)]
        self.hellos.append(hello)
        script = self.scripts.pop(0) if self.scripts else _silent
        await script(ws, hello)
        try:
            async for frame in ws:
                self.after.append(json.loads(frame))
        except Exception:
            pass


async def _silent(ws, hello):
    await ws.wait_closed()


def client(url: str, **kwargs) -> SyncClient:
    kwargs.setdefault("sleep", SleepRecorder())
    return SyncClient(url, KEY, **kwargs)


def test_sync_url():
    assert sync_url("https://a-b-1.convex.cloud") == "wss://a-b-1.convex.cloud/api/1.48.0/sync"
    assert sync_url("http://127.0.0.1:3210/") == "ws://127.0.0.1:3210/api/1.48.0/sync"


async def test_reconnects_deduplicates_and_removes_on_close():
    async def first(ws, hello):
        message, _ = _transition(ZERO, {"state": "in_progress"}, ts=5)
        await ws.send(json.dumps(message))
        await asyncio.sleep(0.05)
        ws.transport.abort()  # the connection drops without a close frame

    async def second(ws, hello):
        message, end = _transition(ZERO, {"state": "in_progress"}, ts=6)  # the same value again
        await ws.send(json.dumps(message))
        await ws.send(json.dumps({"type": "Ping"}))
        message, _ = _transition(end, {"state": "completed", "n": {"$integer": _ts(7)}}, ts=7)
        await ws.send(json.dumps(message))

    async with ScriptedSyncServer(first, second) as server:
        sync = client(server.url)
        async with sync.subscribe("_system/cli/exports:getLatest") as values:
            assert await values.next(5) == {"state": "in_progress"}
            assert await values.next(5) == {"state": "completed", "n": 7}  # the repeat was not yielded
            assert values.connections == 2
        with pytest.raises(StopAsyncIteration):
            await values.next(1)
        await asyncio.sleep(0.1)
    connect, authenticate, modify = server.hellos[0]
    assert connect["type"] == "Connect" and connect["connectionCount"] == 0
    assert authenticate == {"type": "Authenticate", "tokenType": "Admin", "value": KEY, "baseVersion": 0}
    assert modify["modifications"] == [
        {"type": "Add", "queryId": 0, "udfPath": "_system/cli/exports:getLatest", "args": [{}]}
    ]
    reconnect = server.hellos[1][0]
    assert reconnect["connectionCount"] == 1 and reconnect["sessionId"] == connect["sessionId"]
    assert reconnect["maxObservedTimestamp"] == _ts(5) and reconnect["lastCloseReason"] != "InitialConnect"
    assert server.after[-1] == {
        "type": "ModifyQuerySet",
        "baseVersion": 1,
        "newVersion": 2,
        "modifications": [{"type": "Remove", "queryId": 0}],
    }


async def test_silence_and_out_of_step_transitions_cause_a_reconnect():
    async def silent_after_one(ws, hello):
        message, _ = _transition(ZERO, 1)
        await ws.send(json.dumps(message))
        await ws.wait_closed()  # silent until the client gives up on this connection

    async def out_of_step(ws, hello):
        message, _ = _transition({"querySet": 7, "identity": 0, "ts": _ts(0)}, 99)
        await ws.send(json.dumps(message))
        await ws.wait_closed()  # silent until the client gives up on this connection

    async def healthy(ws, hello):
        message, _ = _transition(ZERO, 2)
        await ws.send(json.dumps(message))

    async with ScriptedSyncServer(silent_after_one, out_of_step, healthy) as server:
        async with client(server.url, inactivity_timeout=1.0).subscribe("m:q", {"x": 1.5}) as values:
            assert await values.next(5) == 1
            assert await values.next(5) == 2  # 99 came out of step and was never yielded
            assert values.connections == 3
    assert server.hellos[0][2]["modifications"][0]["args"] == [{"x": 1.5}]


async def test_closing_ends_the_connection_even_as_a_message_arrives():
    """A close that lands while a frame is being received ends the subscription. With `asyncio.wait_for` around
    the receive, Python 3.11 kept the frame and dropped the cancellation when both came in the same turn of the
    loop: the connection went on answering Pings and the close waited for ever (a restore the operator backed
    out of while it was being staged hung, tests/services/test_staged_guard.py)."""

    async def chatty(ws, hello):
        message, _ = _transition(ZERO, 1)
        await ws.send(json.dumps(message))
        try:
            while True:  # a frame every turn of the loop: each close meets one on its way in
                await ws.send(json.dumps({"type": "Ping"}))
                await asyncio.sleep(0)
        except ConnectionClosed:
            return

    rounds = 20
    async with ScriptedSyncServer(*[chatty] * rounds) as server:
        sync = client(server.url)
        for turns in range(rounds):
            values = sync.subscribe("m:q")
            assert await values.next(5) == 1
            for _ in range(turns % 5):  # close at a different point of the receive each round
                await asyncio.sleep(0)
            closing = asyncio.ensure_future(values.aclose())
            done, _ = await asyncio.wait({closing}, timeout=5)
            assert closing in done, f"round {turns}: the subscription did not close"


async def test_gives_up_after_bounded_attempts():
    sleep = SleepRecorder()
    async with ScriptedSyncServer() as server:
        url = server.url
    sync = SyncClient(url, KEY, sleep=sleep, open_timeout=2, reconnect=RetryPolicy(attempts=3, base_delay=0.1))
    with pytest.raises(NetworkError) as caught:
        async with sync.subscribe("m:q") as values:
            await values.next(10)
    assert caught.value.code == "SyncDisconnected" and len(sleep.waits) == 2
    assert "0123456789abcdef" not in str(caught.value) + repr(caught.value)


async def test_live_export_and_import_from_the_emulator(slow_deployment, tmp_path):
    sync = SyncClient(slow_deployment.url, slow_deployment.key, name=slow_deployment.name)
    async with DeploymentClient(slow_deployment.url, slow_deployment.key) as api:
        async with sync.watch_latest_export() as exports:
            assert await exports.next(10) is None
            with pytest.raises(TimeoutError):
                await exports.next(0.05)  # nothing changed; the subscription carries on
            await api.request_export()
            states = []
            while not states or states[-1] not in ("completed", "failed", "canceled"):
                states.append((await exports.next(20)).state)
        assert states[0] == "requested" and "in_progress" in states and states[-1] == "completed"
        path = tmp_path / "demo.zip"
        write_demo_zip(path, users_count=20, channels_count=3, messages_count=50)
        import_id = await api.upload_import(path, mode="replaceAll")
        seen = []
        async with sync.watch_import(import_id) as imports:
            async for snapshot in imports:
                seen.append(snapshot.state)
                if snapshot.state == "waiting_for_confirmation":
                    await api.perform_import(import_id)
                if snapshot.is_terminal:
                    break
        assert seen[-1] == "completed" and "waiting_for_confirmation" in seen and "in_progress" in seen
        assert snapshot.fraction == 1.0 and snapshot.num_rows_written == 73


async def test_function_and_auth_errors_from_the_emulator(slow_deployment):
    restricted = SyncClient(slow_deployment.url, slow_deployment.view_only_key)
    async with restricted.subscribe("_system/cli/queryEnvironmentVariables") as values:
        with pytest.raises(FunctionPermissionDenied):
            await values.next(10)
    sync = SyncClient(slow_deployment.url, slow_deployment.key)
    async with sync.subscribe("_system/frontend/tableSize", {"tableName": 3.0}) as values:
        with pytest.raises(FunctionError) as caught:
            await values.next(10)
    assert "ArgumentValidationError" in caught.value.detail
    wrong = SyncClient(slow_deployment.url, f"{slow_deployment.name}|{'0' * 64}")
    async with wrong.subscribe("_system/cli/exports:getLatest") as values:
        with pytest.raises(AuthError) as caught:
            await values.next(10)
    assert "0000000000" not in str(caught.value) + repr(caught.value)
