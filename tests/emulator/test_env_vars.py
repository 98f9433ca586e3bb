"""Environment variables: both route families, every limit and error code, the CLI's queries."""

from __future__ import annotations

import pytest
from sandbox_process import SandboxProcess

from tui.emulator.deployment.auth import VIEW_ENV
from tui.emulator.sandbox.folder import SandboxFolder

PREFIXES = ("/api/v1", "/api")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("env")
    folder = SandboxFolder(data)
    name = folder.create_deployment()
    process = SandboxProcess(data)
    process.view_only_key = folder.keys(name).create_restricted([VIEW_ENV])
    process.start()
    process.key = process.admin_key
    yield process
    process.stop()


@pytest.fixture
def client(server):
    """The admin client; every test starts with no variables."""
    with server.client(server.key) as client:
        yield client
        names = client.get("/api/v1/list_environment_variables").json()["environmentVariables"]
        assert _update(client, [{"name": n, "value": None} for n in names]).status_code == 200


def _update(client, changes, prefix="/api"):
    return client.post(f"{prefix}/update_environment_variables", json={"changes": changes})


def _listed(client, prefix="/api/v1") -> dict[str, str]:
    reply = client.get(f"{prefix}/list_environment_variables")
    assert reply.status_code == 200
    return reply.json()["environmentVariables"]


def _query(client, path, args):
    return client.post("/api/query", json={"path": path, "args": [args], "format": "convex_encoded_json"}).json()


def _error(reply, code: str) -> str:
    assert reply.status_code == 400, reply.text
    body = reply.json()
    assert body["code"] == code
    return body["message"]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_set_list_update_delete_on_both_paths(client, prefix):
    reply = _update(client, [{"name": "B_KEY", "value": "b"}, {"name": "a_key", "value": "a"}], prefix)
    assert reply.status_code == 200 and reply.content == b""
    assert _listed(client, prefix) == {"B_KEY": "b", "a_key": "a"}
    assert _update(client, [{"name": "B_KEY", "value": "b2"}, {"name": "a_key"}], prefix).status_code == 200
    assert _listed(client, prefix) == {"B_KEY": "b2"}  # an absent value deletes, like null
    assert _update(client, [{"name": "NEVER_SET", "value": None}], prefix).status_code == 200  # a no-op


def test_cli_queries(client, server):
    _update(client, [{"name": "ZED", "value": "z"}, {"name": "ALPHA", "value": "a"}])
    listed = _query(client, "_system/cli/queryEnvironmentVariables", {})["value"]
    assert [(d["name"], d["value"]) for d in listed] == [("ALPHA", "a"), ("ZED", "z")]  # sorted by name
    assert all(set(d) == {"_id", "_creationTime", "name", "value"} for d in listed)
    got = _query(client, "_system/cli/queryEnvironmentVariables:get", {"name": "ZED"})["value"]
    assert got["value"] == "z" and got["_id"] == listed[1]["_id"]
    assert _query(client, "_system/cli/queryEnvironmentVariables:get", {"name": "MISSING"})["value"] is None
    for builtin in ("CONVEX_CLOUD_URL", "CONVEX_SITE_URL"):
        value = _query(client, "_system/cli/queryEnvironmentVariables:get", {"name": builtin})["value"]
        assert value == {"name": builtin, "value": server.url}
    assert "CONVEX_CLOUD_URL" not in _listed(client)  # built-ins are never listed
    bad = _query(client, "_system/cli/queryEnvironmentVariables:get", {})
    assert bad["status"] == "error" and "ArgumentValidationError" in bad["errorMessage"]


@pytest.mark.parametrize("name", ["1BAD", "has-dash", "", "spa ce", "ÜMLAUT"])
def test_invalid_names(client, name):
    _error(_update(client, [{"name": name, "value": "v"}]), "EnvironmentVariableNameInvalid")


def test_name_length_limit(client):
    assert _update(client, [{"name": "N" * 256, "value": "v"}]).status_code == 200
    _error(_update(client, [{"name": "N" * 257, "value": "v"}]), "EnvironmentVariableNameTooLong")


def test_value_size_limit_counts_bytes_and_never_quotes_the_value(client):
    assert _update(client, [{"name": "BIG", "value": "v" * 8192}]).status_code == 200
    message = _error(_update(client, [{"name": "BIG", "value": "é" * 4097}]), "EnvironmentVariableValueTooLarge")
    assert "8194" in message and "BIG" in message and "é" not in message


@pytest.mark.parametrize("name", ["CONVEX_CLOUD_URL", "CONVEX_SITE_URL"])
def test_builtins_cannot_be_set_or_deleted(client, name):
    _error(_update(client, [{"name": name, "value": "http://elsewhere"}]), "EnvVarNameForbidden")
    _error(_update(client, [{"name": name, "value": None}]), "EnvVarNameForbidden")


def test_names_are_validated_on_deletes_too(client):
    _error(_update(client, [{"name": "bad-name", "value": None}]), "EnvironmentVariableNameInvalid")


def test_count_limit_is_checked_after_the_change(client):
    changes = [{"name": f"V{i}", "value": "x"} for i in range(512)]
    assert _update(client, changes).status_code == 200
    message = _error(_update(client, [{"name": "ONE_MORE", "value": "x"}]), "EnvVarLimitMet")
    assert "512" in message
    swap = [{"name": "V0", "value": None}, {"name": "ONE_MORE", "value": "x"}]
    assert _update(client, swap).status_code == 200
    assert len(_listed(client)) == 512 and "ONE_MORE" in _listed(client)


def test_total_size_limit(client):
    changes = [{"name": f"LARGE_{i}", "value": "x" * 8192} for i in range(63)]  # 516 KB with names < 512 KiB
    assert _update(client, changes).status_code == 200
    _error(_update(client, [{"name": "LARGE_63", "value": "x" * 8192}]), "EnvVarTotalSizeLimitMet")
    assert len(_listed(client)) == 63


def test_changes_are_all_or_nothing(client):
    _update(client, [{"name": "KEEP", "value": "old"}])
    mixed = [{"name": "KEEP", "value": "new"}, {"name": "NEW_ONE", "value": "n"}, {"name": "9bad", "value": "v"}]
    _error(_update(client, mixed), "EnvironmentVariableNameInvalid")
    too_big = [{"name": "KEEP", "value": "new"}, {"name": "HUGE", "value": "h" * 9000}]
    _error(_update(client, too_big), "EnvironmentVariableValueTooLarge")
    assert _listed(client) == {"KEEP": "old"}


@pytest.mark.parametrize(
    "body",
    [{}, {"changes": "A=1"}, {"changes": [{"value": "v"}]}, {"changes": [{"name": "A", "value": 1}]}, []],
)
def test_malformed_bodies(client, body):
    _error(client.post("/api/update_environment_variables", json=body), "BadJsonBody")


def test_permissions(server, client):
    _update(client, [{"name": "SEEN", "value": "s"}])
    with server.client(server.view_only_key) as viewer:
        assert _listed(viewer) == {"SEEN": "s"}
        reply = _update(viewer, [{"name": "SEEN", "value": "changed"}])
        assert reply.status_code == 403 and reply.json()["code"] == "OperationNotPermitted"
        assert "(deployment:env:write)" in reply.json()["message"]
    assert _listed(client) == {"SEEN": "s"}
