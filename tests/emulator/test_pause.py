"""Pausing a deployment: the pause and unpause routes with their precedence,
idempotency and errors, what a stopped deployment refuses and lets through, and the two state queries."""

from __future__ import annotations

import httpx
import pytest
from convex_http import mutation, query
from sandbox_process import SandboxProcess

from tui.emulator.deployment.auth import PAUSE_DEPLOYMENT, VIEW_AUDIT_LOG, VIEW_DATA
from tui.emulator.deployment.backend_state import (
    DISABLED_MESSAGE,
    PAUSED_MESSAGE,
    SUSPENDED_MESSAGE,
    USAGE_LIMIT_MESSAGE,
)
from tui.emulator.sandbox.folder import SandboxFolder

PAUSE, UNPAUSE = "/api/v1/pause_deployment", "/api/v1/unpause_deployment"
AUDIT = "/api/v1/list_audit_log_events"
BACKEND_STATE = "_system/frontend/backendState:backendState"
DEPLOYMENT_STATE = "_system/frontend/deploymentState:deploymentState"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("pause")
    folder = SandboxFolder(data)
    name = folder.create_deployment()
    keys = folder.keys(name)
    process = SandboxProcess(data)
    process.pause_only_key = keys.create_restricted([PAUSE_DEPLOYMENT])  # before the server loads keys.json
    process.view_data_key = keys.create_restricted([VIEW_DATA])
    process.audit_key = keys.create_restricted([VIEW_AUDIT_LOG])
    process.start()
    process.key = process.admin_key
    yield process
    process.stop()


@pytest.fixture
def client(server):
    """An admin client on a running deployment (each test starts from running, whatever the last left)."""
    with server.client(server.key) as client:
        reply = client.post("/api/_emulator/backend_state", json={"system": "none", "usage_limit": "none"})
        assert reply.status_code == 200, reply.text
        if reply.json()["user"] == "paused":
            assert client.post(UNPAUSE).status_code == 200
        yield client


def _convex_state(client, **fields) -> None:
    assert client.post("/api/_emulator/backend_state", json=fields).status_code == 200


def _error(reply: httpx.Response, status: int, code: str) -> str:
    assert reply.status_code == status, reply.text
    assert reply.json()["code"] == code, reply.text
    return reply.json()["message"]


def _function_error(client, kind: str, path: str, **extra) -> str:
    reply = client.post(f"/api/{kind}", json={"path": path, "args": {}, "format": "convex_encoded_json", **extra})
    assert reply.status_code == 200, reply.text
    envelope = reply.json()
    assert envelope["status"] == "error", envelope
    return envelope["errorMessage"]


def _audit_actions(client, since: int = 0) -> list[str]:
    reply = client.get(AUDIT, params={"from": since, "limit": 100})
    assert reply.status_code == 200, reply.text
    return [event["action"] for event in reply.json()["items"]]


# -- the routes ------------------------------------------------------------------------------------------
def test_a_new_deployment_is_running(client):
    assert query(client, BACKEND_STATE) == {"system": "none", "usage_limit": "none", "user": "none"}
    assert query(client, DEPLOYMENT_STATE) == {"state": "running"}


def test_pause_then_unpause_round_trip_with_audit_events(client):
    before = len(_audit_actions(client))
    reply = client.post(PAUSE)  # no body, no content type
    assert reply.status_code == 200 and reply.content == b""
    assert query(client, BACKEND_STATE) == {"system": "none", "usage_limit": "none", "user": "paused"}
    assert query(client, DEPLOYMENT_STATE) == {"state": "paused"}

    reply = client.post(UNPAUSE)
    assert reply.status_code == 200 and reply.content == b""
    assert query(client, DEPLOYMENT_STATE) == {"state": "running"}
    events = client.get(AUDIT, params={"from": 0, "limit": 100}).json()["items"][before:]
    assert [(e["action"], e["metadata"]) for e in events] == [("pause_deployment", {}), ("unpause_deployment", {})]


def test_pause_is_idempotent_and_writes_one_event(client):
    before = len(_audit_actions(client))
    assert client.post(PAUSE).status_code == 200
    assert client.post(PAUSE).status_code == 200
    assert _audit_actions(client)[before:] == ["pause_deployment"]


def test_unpause_of_a_running_deployment_fails(client):
    before = len(_audit_actions(client))
    message = _error(client.post(UNPAUSE), 400, "UnpauseDeploymentFailed")
    assert "not currently paused" in message
    assert _audit_actions(client)[before:] == []


def test_a_deployment_convex_disabled_cannot_be_paused_or_unpaused(client):
    _convex_state(client, system="disabled")
    assert "cannot be paused" in _error(client.post(PAUSE), 400, "PauseDeploymentFailed")
    assert query(client, BACKEND_STATE)["user"] == "none"
    _convex_state(client, system="none")
    assert client.post(PAUSE).status_code == 200
    _convex_state(client, system="suspended")
    assert "cannot be unpaused" in _error(client.post(UNPAUSE), 400, "UnpauseDeploymentFailed")
    assert query(client, BACKEND_STATE)["user"] == "paused"  # the refused unpause changed nothing


def test_a_usage_limit_does_not_prevent_pausing(client):
    _convex_state(client, usage_limit="disabled")
    assert client.post(PAUSE).status_code == 200
    assert query(client, BACKEND_STATE) == {"system": "none", "usage_limit": "disabled", "user": "paused"}
    assert client.post(UNPAUSE).status_code == 200


def test_deployment_state_summary_is_lossy(client):
    _convex_state(client, usage_limit="disabled")
    assert query(client, DEPLOYMENT_STATE) == {"state": "running"}
    _convex_state(client, system="suspended")
    assert query(client, DEPLOYMENT_STATE) == {"state": "suspended"}
    _convex_state(client, system="disabled")
    assert query(client, DEPLOYMENT_STATE) == {"state": "disabled"}


# -- auth -------------------------------------------------------------------------------------------------
def test_pause_routes_authenticate_like_other_admin_routes(server, client):
    _error(httpx.post(server.url + PAUSE, timeout=10), 403, "BadDeployKey")
    wrong = {"Authorization": f"Convex {server.name}|{'0' * 64}"}
    _error(httpx.post(server.url + UNPAUSE, headers=wrong, timeout=10), 401, "BadAdminKey")
    with server.client(server.view_data_key) as viewer:
        assert "deployment:pause" in _error(viewer.post(PAUSE), 403, "OperationNotPermitted")
        assert "deployment:auditLog:view" in _error(viewer.get(AUDIT, params={"from": 0}), 403, "OperationNotPermitted")
        assert query(viewer, DEPLOYMENT_STATE) == {"state": "running"}  # any admin identity reads the state
    with server.client(server.pause_only_key) as pauser:
        assert pauser.post(PAUSE).status_code == 200
        assert "deployment:unpause" in _error(pauser.post(UNPAUSE), 403, "OperationNotPermitted")
    with server.client(server.audit_key) as auditor:
        assert auditor.get(AUDIT, params={"from": 0}).status_code == 200
    assert query(client, BACKEND_STATE)["user"] == "paused"


def test_only_the_full_admin_key_may_play_convex(server, client):
    with server.client(server.view_data_key) as viewer:
        _error(viewer.post("/api/_emulator/backend_state", json={"system": "disabled"}), 403, "OperationNotPermitted")
    _error(client.post("/api/_emulator/backend_state", json={"user": "paused"}), 400, "BadJsonBody")


# -- what a stopped deployment does -------------------------------------------------------------------------
def test_user_functions_get_the_paused_error_on_every_endpoint(server, client):
    assert "Could not find public function" in _function_error(client, "query", "messages:list")
    assert client.post(PAUSE).status_code == 200
    for kind in ("query", "mutation", "action"):
        assert PAUSED_MESSAGE in _function_error(client, kind, "messages:list")
    assert PAUSED_MESSAGE in _function_error(client, "function", "messages:send")
    reply = client.post("/api/run/messages/send", json={"args": {}})
    assert reply.status_code == 200 and PAUSED_MESSAGE in reply.json()["errorMessage"]
    anonymous = httpx.post(server.url + "/api/query", json={"path": "messages:list", "args": {}}, timeout=10)
    assert PAUSED_MESSAGE in anonymous.json()["errorMessage"]
    batch = client.post(
        "/api/query_batch",
        json={
            "queries": [
                {"path": "messages:list", "args": {}},
                {"path": "_system/frontend/getTableMapping", "args": {}},
            ]
        },
    ).json()["results"]
    assert PAUSED_MESSAGE in batch[0]["errorMessage"] and batch[1]["status"] == "success"


def test_system_functions_and_data_edits_keep_working_while_paused(client):
    assert client.post(PAUSE).status_code == 200
    assert mutation(client, "_system/frontend/addDocument", {"table": "fixes", "documents": [{"n": 1.0}]}) == {
        "success": True
    }
    page = query(
        client,
        "_system/frontend/paginatedTableDocuments",
        {"table": "fixes", "paginationOpts": {"numItems": 10.0, "cursor": None}, "filters": None},
    )
    assert [d["n"] for d in page["page"]] == [1.0]


def test_stop_messages_follow_convex_precedence(client):
    assert client.post(PAUSE).status_code == 200
    _convex_state(client, usage_limit="disabled")
    assert USAGE_LIMIT_MESSAGE in _function_error(client, "query", "messages:list")
    _convex_state(client, system="suspended")  # a usage-limit message only while system is "none"
    assert SUSPENDED_MESSAGE in _function_error(client, "query", "messages:list")
    _convex_state(client, system="disabled")
    assert DISABLED_MESSAGE in _function_error(client, "query", "messages:list")


def test_a_usage_limit_alone_stops_user_functions(client):
    _convex_state(client, usage_limit="disabled")
    assert USAGE_LIMIT_MESSAGE in _function_error(client, "mutation", "messages:send")


def test_file_storage_http_is_refused_while_paused(server, client):
    reply = client.post("/api/storage/upload", content=b"hello", headers={"Content-Type": "text/plain"})
    assert reply.status_code == 200, reply.text
    storage_id = reply.json()["storageId"]
    assert client.post(PAUSE).status_code == 200
    message = _error(httpx.get(f"{server.url}/api/storage/{storage_id}", timeout=10), 400, "BackendIsNotRunning")
    assert "not running" in message
    refused = client.post("/api/storage/upload", content=b"more", headers={"Content-Type": "text/plain"})
    _error(refused, 400, "BackendIsNotRunning")
    assert client.post(UNPAUSE).status_code == 200
    assert httpx.get(f"{server.url}/api/storage/{storage_id}", timeout=10).content == b"hello"


def test_the_pause_survives_a_restart(server, client):
    assert client.post(PAUSE).status_code == 200
    server.restart()
    with server.client(server.key) as fresh:
        assert query(fresh, BACKEND_STATE)["user"] == "paused"
        assert PAUSED_MESSAGE in _function_error(fresh, "query", "messages:list")
