"""The sync WebSocket as the CLI speaks it (cli-wire 3): chained Transitions, reactivity, auth, Ping."""

from __future__ import annotations

import base64
import json
import struct
import time

import pytest
from sandbox_process import SandboxProcess
from websockets.sync.client import connect

LATEST = "_system/cli/exports:getLatest"
ENV_LIST = "_system/cli/queryEnvironmentVariables:default"
ZERO = {"querySet": 0, "identity": 0, "ts": "AAAAAAAAAAA="}
PERMISSION = "You do not have permission to perform this operation"


def _ts(version: dict) -> int:
    return struct.unpack("<Q", base64.b64decode(version["ts"]))[0]


class SyncClient:
    """A bare protocol client that checks every Transition chains onto the previous one."""

    def __init__(self, url: str, version_segment: str | None = "1.48.0"):
        # None: the unversioned `/api/sync` the official Python and Rust clients use (tui/emulator/README.md).
        route = f"/api/{version_segment}/sync" if version_segment else "/api/sync"
        uri = url.replace("http://", "ws://") + route
        self.ws = connect(uri, open_timeout=10).__enter__()  # entered here, closed in __exit__ / by tests
        self.version = dict(ZERO)
        self.query_set = 0

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc) -> None:
        self.ws.close()

    def send(self, message: dict) -> None:
        self.ws.send(json.dumps(message))

    def hello(self, key: str | None, queries: dict[int, tuple[str, dict]]) -> None:
        """What the CLI sends at once when the socket opens."""
        self.send(
            {
                "type": "Connect",
                "sessionId": "5f0d",
                "connectionCount": 0,
                "lastCloseReason": "InitialConnect",
                "clientTs": int(time.time() * 1000),
            }
        )
        if key is not None:
            self.send({"type": "Authenticate", "tokenType": "Admin", "value": key, "baseVersion": 0})
        self.modify(
            [{"type": "Add", "queryId": qid, "udfPath": path, "args": [args]} for qid, (path, args) in queries.items()]
        )

    def modify(self, modifications: list[dict]) -> None:
        self.send(
            {
                "type": "ModifyQuerySet",
                "baseVersion": self.query_set,
                "newVersion": self.query_set + 1,
                "modifications": modifications,
            }
        )
        self.query_set += 1

    def receive(self, timeout: float = 10) -> dict:
        return json.loads(self.ws.recv(timeout=timeout))

    def transition(self, timeout: float = 10) -> dict:
        message = self.receive(timeout)
        while message["type"] == "Ping":
            message = self.receive(timeout)
        assert message["type"] == "Transition", message
        assert message["startVersion"] == self.version, "each start version must equal the previous end version"
        assert _ts(message["endVersion"]) >= _ts(self.version)
        self.version = message["endVersion"]
        return message

    def until_query_set(self, query_set: int) -> list[dict]:
        """Transitions up to the one that answers ModifyQuerySet `query_set`; their modifications."""
        modifications = []
        while self.version["querySet"] != query_set:
            modifications += self.transition()["modifications"]
        return modifications


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = SandboxProcess(tmp_path_factory.mktemp("sync")).start()
    process.key = process.admin_key
    yield process
    process.stop()


def test_export_progress_arrives_as_chained_transitions(slow_sandbox):
    key = slow_sandbox.admin_key
    with SyncClient(slow_sandbox.url) as sync, slow_sandbox.client(key) as client:
        sync.hello(key, {0: (LATEST, {})})
        first = sync.transition()
        assert first["startVersion"] == ZERO
        assert first["endVersion"]["identity"] == 1 and first["modifications"] == []  # Authenticate accepted
        second = sync.transition()
        assert second["endVersion"]["querySet"] == 1
        assert second["modifications"] == [
            {"type": "QueryUpdated", "queryId": 0, "value": None, "logLines": [], "journal": None}
        ]

        assert client.post("/api/export/request/zip?includeStorage=false").status_code == 200
        states, stamps = [], []
        while not states or states[-1] not in ("completed", "failed"):
            transition = sync.transition()
            (change,) = transition["modifications"]  # only the one query, and only when it changed
            assert change["type"] == "QueryUpdated" and change["queryId"] == 0
            states.append(change["value"]["state"])
            stamps.append(_ts(transition["endVersion"]))
        assert states[-1] == "completed" and "in_progress" in states
        assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
        assert set(change["value"]["start_ts"]) == {"$integer"}  # Int64, as the CLI needs

        sync.modify([{"type": "Remove", "queryId": 0}])
        removal = sync.transition()
        assert removal["endVersion"]["querySet"] == 2
        assert removal["modifications"] == [{"type": "QueryRemoved", "queryId": 0}]


def test_a_wrong_key_gets_auth_error_then_permission_failures(server):
    with SyncClient(server.url) as sync:
        sync.hello(f"{server.name}|{'0' * 64}", {0: (LATEST, {})})
        error = sync.receive()
        assert error["type"] == "AuthError" and error["baseVersion"] == 0 and error["authUpdateAttempted"] is True
        (failure,) = sync.until_query_set(1)
        assert failure["type"] == "QueryFailed" and failure["queryId"] == 0
        assert PERMISSION in failure["errorMessage"] and failure["logLines"] == []


def test_without_authenticate_system_queries_look_missing(server):
    with SyncClient(server.url, version_segment="9.9.9") as sync:  # any version segment is accepted
        sync.hello(None, {0: (LATEST, {})})
        (failure,) = sync.until_query_set(1)
        assert failure["errorMessage"] == f"Could not find public function for '{LATEST}'."


def test_env_list_is_pushed_when_a_variable_changes_and_only_then(server):
    with SyncClient(server.url) as sync, server.client(server.key) as client:
        sync.hello(server.key, {0: (ENV_LIST, {}), 1: ("_system/cli/queryEnvironmentVariables:get", {"name": "TOKEN"})})
        initial = {m["queryId"]: m["value"] for m in sync.until_query_set(1)}
        assert initial == {0: [], 1: None}

        reply = client.post("/api/update_environment_variables", json={"changes": [{"name": "TOKEN", "value": "t1"}]})
        assert reply.status_code == 200
        changes = {m["queryId"]: m["value"] for m in sync.transition()["modifications"]}
        assert [(v["name"], v["value"]) for v in changes[0]] == [("TOKEN", "t1")]
        assert changes[1]["value"] == "t1"

        # A commit that changes neither query's result pushes nothing.
        add = {"path": "_system/frontend/addDocument", "args": {"table": "unrelated", "documents": [{}]}}
        assert client.post("/api/mutation", json=add).json()["status"] == "success"
        with pytest.raises(TimeoutError):
            sync.transition(timeout=0.5)


def _response(sync: SyncClient) -> dict:
    message = sync.receive()
    while message["type"] == "Ping":
        message = sync.receive()
    return message


def test_mutations_and_actions_are_answered_then_a_transition_reaches_the_mutations_ts(server):
    """As Convex's sync worker does (tui/emulator/README.md): a MutationResponse carrying the commit's ts,
    then a Transition at or past it (convex/browser resolves the mutation only then); failures for a missing
    function; an ActionResponse for an action. Over the unversioned /api/sync route."""
    with SyncClient(server.url, version_segment=None) as sync:
        sync.hello(server.key, {})
        sync.until_query_set(1)
        add = {"table": "ws_notes", "documents": [{"text": "over the socket"}]}
        sync.send({"type": "Mutation", "requestId": 0, "udfPath": "_system/frontend/addDocument", "args": [add]})
        done = _response(sync)
        assert done["type"] == "MutationResponse" and done["requestId"] == 0 and done["success"] is True
        assert done["result"] == {"success": True} and done["logLines"] == []
        assert _ts(sync.transition()["endVersion"]) >= _ts({"ts": done["ts"]})

        sync.send({"type": "Mutation", "requestId": 1, "udfPath": "notes:add", "args": [{}]})
        missing = _response(sync)
        assert missing["type"] == "MutationResponse" and missing["requestId"] == 1 and missing["success"] is False
        assert missing["result"].startswith("Could not find public function for 'notes:add'.")
        assert missing["ts"] is None
        sync.transition()

        sync.send({"type": "Action", "requestId": 2, "udfPath": "notes:send", "args": [{}]})
        action = _response(sync)
        assert action["type"] == "ActionResponse" and action["requestId"] == 2 and action["success"] is False
        assert action["result"].startswith("Could not find public function for 'notes:send'.")
    with server.client(server.key) as client:
        size = client.post("/api/query", json={"path": "_system/cli/tableSize", "args": {"tableName": "ws_notes"}})
        assert size.json()["value"] == 1


def test_unparseable_udf_path_fails_that_query_only(server):
    with SyncClient(server.url) as sync:
        sync.hello(server.key, {0: ("not a path:!", {}), 1: (LATEST, {})})
        results = {m["queryId"]: m for m in sync.until_query_set(1)}
        assert results[0]["type"] == "QueryFailed" and "not a valid path" in results[0]["errorMessage"]
        assert results[1]["type"] == "QueryUpdated"


def test_a_client_that_leaves_without_waiting_does_no_harm(server):
    for _ in range(3):
        sync = SyncClient(server.url)
        sync.hello(server.key, {0: (LATEST, {})})
        sync.modify([{"type": "Remove", "queryId": 0}])
        sync.ws.close()  # as the CLI does: Remove, then close without reading the reply
    with SyncClient(server.url) as sync:
        sync.hello(server.key, {0: (LATEST, {})})
        assert sync.until_query_set(1)[0]["type"] == "QueryUpdated"
    assert not [line for line in server.output if "Traceback" in line or "ERROR" in line]


def test_ping_during_silence(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVEX_BACKUPS_SYNC_PING_INTERVAL", "0.3")
    process = SandboxProcess(tmp_path / "ping").start()
    try:
        with SyncClient(process.url) as sync:
            sync.hello(process.admin_key, {0: (LATEST, {})})
            sync.until_query_set(1)
            started = time.monotonic()
            assert sync.receive(timeout=5) == {"type": "Ping"}
            assert sync.receive(timeout=5) == {"type": "Ping"}
            assert time.monotonic() - started < 3
    finally:
        process.stop()
