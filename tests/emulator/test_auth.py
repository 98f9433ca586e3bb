"""How the deployment authenticates requests, the identity routes, the throttle route,
and that no admin key or env var value ever reaches the server's output."""

from __future__ import annotations

import json

import httpx
import pytest
from sandbox_process import SandboxProcess, wait_for
from websockets.sync.client import connect

from tui.emulator.deployment.auth import VIEW_DATA, VIEW_ENV
from tui.emulator.sandbox.folder import SandboxFolder

ENV_LIST = "/api/v1/list_environment_variables"
SECRET_VALUE = "do-not-log-this-value-4711"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("auth")
    folder = SandboxFolder(data)
    name = folder.create_deployment()
    keys = folder.keys(name)
    process = SandboxProcess(data)
    process.data_view_key = keys.create_restricted([VIEW_DATA])
    process.env_view_key = keys.create_restricted([VIEW_ENV])  # made before the server loads keys.json
    process.start()
    process.key = process.admin_key
    yield process
    process.stop()


def _get(server, path: str = ENV_LIST, authorization: str | None = None, **params) -> httpx.Response:
    headers = {} if authorization is None else {"Authorization": authorization}
    return httpx.get(server.url + path, headers=headers, params=params, timeout=10)


def _expect(reply: httpx.Response, status: int, code: str) -> str:
    assert reply.status_code == status, reply.text
    assert reply.json()["code"] == code
    return reply.json()["message"]


def test_missing_header_is_bad_deploy_key(server):
    _expect(_get(server), 403, "BadDeployKey")


def test_wrong_key_is_bad_admin_key(server):
    message = _expect(_get(server, authorization=f"Convex {server.name}|{'0' * 64}"), 401, "BadAdminKey")
    assert server.name in message


def test_bearer_tokens_are_not_admins(server):
    _expect(_get(server, authorization="Bearer eyJhbGciOi.payload.sig"), 403, "BadDeployKey")


def test_other_schemes_and_short_headers(server):
    _expect(_get(server, authorization=f"Basic {server.key}"), 400, "InvalidAdminKey")
    _expect(_get(server, authorization="abc"), 400, "InvalidHeaderFailure")


def test_accepted_forms(server):
    assert _get(server, authorization=f"Convex {server.key}").status_code == 200
    assert _get(server, authorization=f"convex {server.key}").status_code == 200  # scheme is case-insensitive
    assert _get(server, authorization=f"Convex prod:{server.key}").status_code == 200  # type prefix tolerated
    assert _get(server, adminKey=server.key).status_code == 200  # the dashboard's download links


def test_restricted_keys_name_the_missing_action(server):
    message = _expect(_get(server, authorization=f"Convex {server.data_view_key}"), 403, "OperationNotPermitted")
    assert "You do not have permission to perform this operation" in message and "(deployment:env:view)" in message
    assert _get(server, authorization=f"Convex {server.env_view_key}").status_code == 200
    reply = httpx.post(
        server.url + "/api/update_environment_variables",
        json={"changes": []},
        headers={"Authorization": f"Convex {server.env_view_key}"},
    )
    assert "(deployment:env:write)" in _expect(reply, 403, "OperationNotPermitted")
    info = _get(server, "/api/v1/deployment_info", authorization=f"Convex {server.env_view_key}")
    assert "(deployment:data:view)" in _expect(info, 403, "OperationNotPermitted")


def test_identity_routes(server):
    admin = f"Convex {server.key}"
    assert _get(server, "/api/v1/deployment_info", authorization=admin).json() == {"kind": "selfHosted"}
    assert _get(server, "/api/v1/deployment_info", authorization=f"Convex {server.data_view_key}").status_code == 200
    _expect(_get(server, "/api/v1/deployment_info"), 403, "BadDeployKey")
    urls = _get(server, "/api/v1/get_canonical_urls", authorization=admin).json()
    assert urls == {"convexCloudUrl": server.url, "convexSiteUrl": server.url}
    _expect(_get(server, "/api/v1/get_canonical_urls"), 403, "BadDeployKey")


def test_throttle_route(server):
    def post(body, key=server.key):
        return httpx.post(server.url + "/api/_emulator/throttle", json=body, headers={"Authorization": f"Convex {key}"})

    assert post({"stepDelay": 0.25}).json() == {"stepDelay": 0.25}
    assert post({"stepDelay": 0}).json() == {"stepDelay": 0.0}
    for bad in ({"stepDelay": -1}, {"stepDelay": "1"}, {"stepDelay": True}, {}, [1]):
        _expect(post(bad), 400, "BadJsonBody")
    _expect(post({"stepDelay": 1}, key=server.data_view_key), 403, "OperationNotPermitted")


def test_no_key_or_value_ever_reaches_the_server_output(server):
    """Run every path that carries a secret, including failing ones, then read the server's output."""
    with server.client(server.key) as client:
        for name, value in (("SECRET", SECRET_VALUE), ("BAD-NAME", SECRET_VALUE), ("X", SECRET_VALUE * 400)):
            client.post("/api/update_environment_variables", json={"changes": [{"name": name, "value": value}]})
        client.get(ENV_LIST, params={"adminKey": server.key})
        get = {"path": "_system/cli/queryEnvironmentVariables:get", "args": {"name": "SECRET"}}
        assert client.post("/api/query", json=get).json()["value"]["value"] == SECRET_VALUE
    _get(server, adminKey=server.key + "x")
    _get(server, authorization=f"Convex {server.key}x")
    with connect(server.url.replace("http", "ws") + "/api/1.48.0/sync") as ws:
        ws.send(json.dumps({"type": "Authenticate", "tokenType": "Admin", "value": server.key, "baseVersion": 0}))
        ws.send("not json " + server.key)
        ws.send(
            json.dumps(
                {
                    "type": "ModifyQuerySet",
                    "baseVersion": 0,
                    "newVersion": 1,
                    "modifications": [
                        {"type": "Add", "queryId": 0, "udfPath": "_system/cli/queryEnvironmentVariables", "args": [{}]}
                    ],
                }
            )
        )
        while json.loads(ws.recv(timeout=10))["endVersion"]["querySet"] != 1:
            pass
    # The non-JSON frame is logged (without its text): proof that this output is being read.
    output = wait_for(lambda: (text := "".join(server.output)) and "not JSON" in text and text, message="output")
    for secret in (server.key, server.data_view_key, server.env_view_key):
        assert secret.split("|", 1)[1] not in output
    assert SECRET_VALUE not in output
