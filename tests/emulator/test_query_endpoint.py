"""POST/GET /api/query, /api/mutation and /api/query_batch: envelopes, formats, paths and visibility."""

from __future__ import annotations

import httpx
import pytest
from sandbox_process import SandboxProcess, wait_for

from tui.emulator.deployment.auth import VIEW_DATA
from tui.emulator.sandbox.folder import SandboxFolder

LATEST = "_system/cli/exports:getLatest"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("query-endpoint")
    folder = SandboxFolder(data)
    name = folder.create_deployment()
    restricted = folder.keys(name).create_restricted([VIEW_DATA])  # before the server reads keys.json
    process = SandboxProcess(data).start()
    process.key = process.admin_key
    process.restricted_key = restricted
    with process.client(process.key) as client:  # an export gives getLatest an Int64-bearing document
        assert client.post("/api/export/request/zip?includeStorage=false").status_code == 200
        wait_for(lambda: _post(client, "query", LATEST)["value"]["state"] == "completed", message="export")
    yield process
    process.stop()


@pytest.fixture
def client(server):
    with server.client(server.key) as client:
        yield client


def _post(client: httpx.Client, kind: str, path: str, args=None, fmt="convex_encoded_json", **extra) -> dict:
    body = {"path": path, "args": [{}] if args is None else args, **({"format": fmt} if fmt else {}), **extra}
    reply = client.post(f"/api/{kind}", json=body)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_success_envelope_and_the_cli_argument_shapes(client):
    for args in ([{}], {}, None):
        body = {"path": LATEST, "format": "convex_encoded_json", **({} if args is None else {"args": args})}
        envelope = client.post("/api/query", json=body).json()
        assert envelope["status"] == "success" and envelope["logLines"] == []
        assert envelope["value"]["state"] == "completed"


def test_formats(client):
    encoded = _post(client, "query", LATEST)["value"]
    assert set(encoded["expiration_ts"]) == {"$integer"}
    assert isinstance(_post(client, "query", LATEST, fmt="convex_json")["value"]["expiration_ts"], dict)
    clean = _post(client, "query", LATEST, fmt="json")["value"]
    assert isinstance(clean["expiration_ts"], str) and clean["expiration_ts"].isdigit()
    assert _post(client, "query", LATEST, fmt="convex_clean_json")["value"] == clean
    assert _post(client, "query", LATEST, fmt=None)["value"] == clean  # the default is clean JSON
    exported = _post(client, "query", LATEST, fmt="export_json")["value"]
    assert exported["expiration_ts"] == int(clean["expiration_ts"])
    reply = client.post("/api/query", json={"path": LATEST, "args": {}, "format": "yaml"})
    assert reply.status_code == 400 and reply.json()["code"] == "BadFormat"


def test_client_header_must_name_a_version(client):
    reply = client.post("/api/query", json={"path": LATEST, "args": {}}, headers={"Convex-Client": "npm"})
    assert reply.status_code == 400 and reply.json()["code"] == "InvalidClientVersion"
    reply = client.post("/api/query", json={"path": LATEST, "args": {}}, headers={"Convex-Client": "npm-1.48.0"})
    assert reply.status_code == 200


@pytest.mark.parametrize("path", ["", "/abs:fn", "mod.ts:fn", "mod:bad-name", "a//b:fn", 42])
def test_unparseable_paths_are_http_errors(client, path):
    reply = client.post("/api/query", json={"path": path, "args": {}})
    assert reply.status_code == 400 and reply.json()["code"] == "BadConvexFunctionIdentifier"


def test_path_forms(client):
    assert _post(client, "query", "_system/cli/exports.js:getLatest")["status"] == "success"
    assert _post(client, "query", "_system/frontend/latestExport")["status"] == "success"  # default export
    assert _post(client, "query", "_system/frontend/latestExport:default")["status"] == "success"


def test_missing_functions(client):
    envelope = _post(client, "query", "_system/frontend/nothingHere:default")
    assert envelope["status"] == "error"
    assert envelope["errorMessage"] == "Could not find public function for '_system/frontend/nothingHere'."
    user = _post(client, "query", "messages:list")["errorMessage"]
    assert user.startswith("Could not find public function for 'messages:list'.") and "no deployed functions" in user


def test_system_functions_are_invisible_without_an_admin_identity(server):
    message = f"Could not find public function for '{LATEST}'."
    with httpx.Client(base_url=server.url) as anonymous:
        assert _post(anonymous, "query", LATEST) == {"status": "error", "errorMessage": message, "logLines": []}
    with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer some.jwt.token"}) as user:
        assert _post(user, "query", LATEST)["errorMessage"] == message


def test_a_wrong_key_is_an_http_error(server):
    with server.client(f"{server.name}|{'0' * 64}") as client:
        reply = client.post("/api/query", json={"path": LATEST, "args": {}})
        assert reply.status_code == 401 and reply.json()["code"] == "BadAdminKey"


def test_restricted_key_gets_a_function_error_naming_the_action(server):
    with server.client(server.restricted_key) as client:
        envelope = _post(client, "query", LATEST)
        assert envelope["status"] == "error"
        sentence = "You do not have permission to perform this operation (deployment:backups:view)"
        assert sentence in envelope["errorMessage"]
        assert _post(client, "query", "_system/frontend/getTableMapping")["status"] == "success"  # data:view


def test_wrong_function_kind(client):
    message = _post(client, "mutation", LATEST)["errorMessage"]
    assert message == "Trying to execute _system/cli/exports.js:getLatest as Mutation, but it is defined as Query."
    message = _post(client, "query", "_system/frontend/addDocument", [{"table": "t", "documents": []}])["errorMessage"]
    assert "as Query, but it is defined as Mutation" in message


def test_argument_errors_are_function_errors(client):
    assert "ArgumentValidationError" in _post(client, "query", LATEST, [{}, {}])["errorMessage"]
    assert "ArgumentValidationError" in _post(client, "query", LATEST, ["x"])["errorMessage"]
    bad_encoding = [{"tableName": {"$integer": "nope"}}]
    message = _post(client, "query", "_system/frontend/tableSize", bad_encoding)["errorMessage"]
    assert "ArgumentValidationError" in message


def test_thrown_convex_errors_carry_error_data(client):
    args = [{"table": "things", "documents": [{"_id": "x"}]}]
    envelope = _post(client, "mutation", "_system/frontend/addDocument", args)
    assert envelope["status"] == "error"
    assert envelope["errorMessage"].startswith("[Request ID: ") and "Uncaught ConvexError" in envelope["errorMessage"]
    assert isinstance(envelope["errorData"], str) and "_id" in envelope["errorData"]


def test_get_query(client):
    reply = client.get("/api/query", params={"path": LATEST, "args": "{}", "format": "json"})
    assert reply.status_code == 200 and reply.json()["value"]["state"] == "completed"
    assert client.get("/api/query", params={"path": LATEST, "args": "{not json"}).status_code == 400


def test_query_batch(client):
    queries = [
        {"path": "_system/frontend/tableSize", "args": {"tableName": "nothing"}, "format": "convex_encoded_json"},
        {"path": LATEST, "args": [{}], "format": "json"},
        {"path": "_system/nope:x", "args": {}},
    ]
    results = client.post("/api/query_batch", json={"queries": queries}).json()["results"]
    assert results[0] == {"status": "success", "value": 0.0, "logLines": []}
    assert isinstance(results[1]["value"]["expiration_ts"], str)
    assert results[2]["status"] == "error"
    assert client.post("/api/query_batch", json={"queries": "nope"}).status_code == 400


def test_bodies_must_be_json(client):
    reply = client.post("/api/query", content=b"path=x", headers={"Content-Type": "text/plain"})
    assert reply.status_code == 400 and reply.json()["code"] == "BadJsonBody"
