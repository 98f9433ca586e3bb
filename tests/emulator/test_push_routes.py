"""What the sandbox answers to `npx convex deploy` (tui/emulator/routes/push.py): the config hashes of a
deployment nothing was pushed to, and, to every request that carries the code, 400 SandboxRunsNoCode saying
it was received and nothing deployed; all behind the `deployment:deploy` operation, and nothing recorded."""

from __future__ import annotations

import gzip
import json
import zlib

import httpx
import pytest
from sandbox_process import SandboxProcess

from tui.emulator.deployment.auth import DEPLOY, VIEW_DATA
from tui.emulator.sandbox.folder import SandboxFolder

PUSH_PATHS = (
    "/api/deploy2/evaluate_push",
    "/api/deploy2/start_push",
    "/api/deploy2/finish_push",
    "/api/push_config",
    "/api/prepare_schema",
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("push")
    folder = SandboxFolder(data)
    name = folder.create_deployment()
    keys = folder.keys(name)
    process = SandboxProcess(data)
    process.view_key = keys.create_restricted([VIEW_DATA])
    process.deploy_key = keys.create_restricted([DEPLOY])
    process.start()
    yield process
    process.stop()


def _post(server, path: str, body: bytes, key: str, **headers: str) -> httpx.Response:
    return httpx.post(
        server.url + path,
        content=body,
        timeout=10,
        headers={"Authorization": f"Convex {key}", "Content-Type": "application/json", **headers},
    )


def test_the_config_hashes_are_those_of_a_deployment_never_pushed_to(server):
    body = json.dumps({"version": "1.48.0", "adminKey": server.admin_key}).encode()
    reply = _post(server, "/api/get_config_hashes", body, "not-the-key")  # the body's key counts, as in Convex
    assert reply.status_code == 200, reply.text
    assert reply.json() == {
        "config": {"functions": "convex/", "authInfo": []},
        "moduleHashes": [],
        "udfServerVersion": None,
        "nodeVersion": None,
    }
    refused = _post(
        server,
        "/api/get_config_hashes",
        json.dumps({"version": "1.48.0", "adminKey": server.view_key}).encode(),
        server.admin_key,
    )
    assert refused.status_code == 403 and refused.json()["code"] == "OperationNotPermitted"
    assert DEPLOY in refused.json()["message"]


@pytest.mark.parametrize("path", PUSH_PATHS)
def test_every_request_carrying_code_is_received_and_refused(server, path):
    code = json.dumps({"adminKey": server.deploy_key, "appDefinition": {"changedModules": []}}).encode()
    brotli_like = zlib.compress(code)  # an opaque compressed body: only its size is read, the key is the header's
    reply = _post(server, path, brotli_like, server.deploy_key, **{"Content-Encoding": "br"})
    assert reply.status_code == 400, reply.text
    error = reply.json()
    assert error["code"] == "SandboxRunsNoCode"
    assert f"received this push ({len(brotli_like):,} bytes" in error["message"]
    assert "nothing was deployed" in error["message"] and server.deploy_key not in error["message"]
    plain = _post(server, path, gzip.compress(code), "wrong", **{"Content-Encoding": "gzip"})
    assert plain.status_code == 400 and plain.json()["code"] == "SandboxRunsNoCode"  # the body's key


def test_a_push_needs_the_deploy_operation_and_a_good_key(server):
    denied = _post(server, "/api/deploy2/start_push", b"\x0b\x01\x80", server.view_key, **{"Content-Encoding": "br"})
    assert denied.status_code == 403 and denied.json()["code"] == "OperationNotPermitted"
    wrong = _post(server, "/api/deploy2/start_push", b"\x0b\x01\x80", "nope|nope", **{"Content-Encoding": "br"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "BadAdminKey"


def test_a_refused_push_leaves_no_audit_event(server):
    _post(server, "/api/deploy2/start_push", b"{}", server.admin_key)
    with server.client() as client:
        events = client.get("/api/v1/list_audit_log_events", params={"from": 0}).json()["items"]
    assert not [e for e in events if e["action"].startswith("push_config")]
