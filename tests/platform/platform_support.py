"""Helpers for the platform tests (no tests here): a two-team world built before the sandbox starts,
and a small client for the platform API and the deployments it serves."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx
from sandbox_process import SandboxProcess, wait_for

from tui.values.encoding import decode_encoded_value, encode_json_value
from tui.emulator.clock import ManualClock
from tui.emulator.platform.world import WorldEditor

EPOCH_S = 1_893_456_000  # 2030-01-01T00:00:00Z, a Tuesday
EPOCH_MS = EPOCH_S * 1000
HOUR_S = 3600
DAY_S = 24 * HOUR_S
DAY_MS = DAY_S * 1000

# name -> (team slug, project slug, type, options); the first team is the default (Starter) team.
WORLD: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "starter-prod-101": ("sandbox", "sandbox", "prod", {}),
    "starter-dev-102": ("sandbox", "sandbox", "dev", {}),
    "starter-extra-103": ("sandbox", "notes", "prod", {}),
    "acme-prod-201": ("acme", "shop", "prod", {}),
    "acme-dev-202": ("acme", "shop", "dev", {}),
    "acme-preview-203": ("acme", "shop", "preview", {"preview_identifier": "feature-x"}),
    "acme-ops-204": ("acme", "ops", "prod", {}),
    "acme-opsdev-205": ("acme", "ops", "dev", {}),
    "acme-eu-206": ("acme", "europe", "prod", {"region": "aws-eu-west-1"}),
    "acme-big-207": ("acme", "ops", "prod", {"deployment_class": "d1024", "is_default": False}),
    "acme-spare-208": ("acme", "spare", "prod", {}),
    "acme-spare-209": ("acme", "spare", "dev", {}),
}
TEAMS = {"sandbox": ("Sandbox", "starter"), "acme": ("Acme Corp", "pro")}
PROJECT_NAMES = {
    "sandbox": "Sandbox",
    "notes": "Notes",
    "shop": "Shop",
    "ops": "Ops",
    "europe": "Europe",
    "spare": "Spare",
}
# The login token of a member of one team only (the operator is in every team): team slug -> token.
MEMBER_TOKENS = {"sandbox": "sbx_pat_member-of-sandbox-only-0000", "acme": "sbx_pat_member-of-acme-only-00000000"}


def build_world(data: Path, names: list[str] | None = None) -> None:
    """Write the teams, projects and deployment rows into a data folder whose sandbox is not running."""
    with WorldEditor(data, ManualClock(EPOCH_S)) as world:
        teams = {slug: world.team(slug, name, plan=plan) for slug, (name, plan) in TEAMS.items()}
        projects: dict[str, int] = {}
        for name, (team, project, kind, options) in WORLD.items():
            if names is not None and name not in names:
                continue
            if project not in projects:
                projects[project] = world.project(teams[team], project, PROJECT_NAMES[project])
            world.deployment(projects[project], name, kind, **options)
        for slug, token in MEMBER_TOKENS.items():
            world.member(f"{slug} member", f"{slug}-member@example.com", [teams[slug]], token)


def start_world(
    data: Path, *extra: str, clock: str | None = f"manual:{EPOCH_S}", throttle: float = 0.0, timeout: float = 60
) -> SandboxProcess:
    if not (data / "platform.sqlite3").exists():
        build_world(data)
    args = (*(("--clock", clock) if clock else ()), *extra)
    return SandboxProcess(data, throttle=throttle, extra_args=args).start(timeout=timeout)


class Api:
    """The platform API as one token sees it, plus the deployments it can reach."""

    def __init__(self, sandbox: SandboxProcess, token: str | None = None):
        self.sandbox = sandbox
        self.http = sandbox.platform_client(token)
        self._ids: dict[str, int] = {}

    def close(self) -> None:
        self.http.close()

    # -- raw ----------------------------------------------------------------------------------------
    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params)

    def post(self, path: str, body: Any = None) -> httpx.Response:
        return self.http.post(path, json=body) if body is not None else self.http.post(path)

    def ok(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        reply = self.get(path, **params) if method == "GET" else self.post(path, body)
        assert reply.status_code == 200, f"{method} {path}: {reply.status_code} {reply.text}"
        return reply.json() if reply.content else None

    # -- directory ----------------------------------------------------------------------------------
    def deployment_id(self, name: str) -> int:
        if name not in self._ids:
            self._ids[name] = self.ok("GET", f"/v1/deployments/{name}")["id"]
        return self._ids[name]

    def team_id(self, slug: str) -> int:
        return next(t["id"] for t in self.ok("GET", "/api/dashboard/teams") if t["slug"] == slug)

    # -- backups ------------------------------------------------------------------------------------
    def backups(self, name: str) -> list[dict[str, Any]]:
        return self.ok("GET", f"/api/dashboard/deployments/{self.deployment_id(name)}/list_cloud_backups")

    def backup(self, backup_id: int) -> httpx.Response:
        return self.get(f"/api/dashboard/cloud_backups/{backup_id}")

    def request_backup(self, name: str, include_storage: bool = False) -> httpx.Response:
        return self.post(
            f"/api/dashboard/deployments/{self.deployment_id(name)}/request_cloud_backup",
            {"includeStorage": include_storage},
        )

    def new_backup(self, name: str, include_storage: bool = False) -> dict[str, Any]:
        reply = self.request_backup(name, include_storage)
        assert reply.status_code == 200, reply.text
        return reply.json()

    def wait_backup(self, backup_id: int, *states: str, timeout: float = 60) -> dict[str, Any]:
        states = states or ("complete",)

        def reached():
            backup = self.ok("GET", f"/api/dashboard/cloud_backups/{backup_id}")
            if backup["state"] in ("failed", "canceled") and backup["state"] not in states:
                raise AssertionError(f"backup {backup_id} ended {backup['state']}")
            return backup if backup["state"] in states else None

        return wait_for(reached, timeout=timeout, message=f"backup {backup_id} to be {'/'.join(states)}")

    def complete_backup(self, name: str, include_storage: bool = False) -> dict[str, Any]:
        return self.wait_backup(self.new_backup(name, include_storage)["id"])

    def restore(self, target: str, backup_id: Any) -> httpx.Response:
        return self.post(
            f"/api/dashboard/deployments/{self.deployment_id(target)}/restore_from_cloud_backup", {"id": backup_id}
        )

    # -- deployments --------------------------------------------------------------------------------
    def instance(self, name: str) -> tuple[str, str]:
        auth = self.ok("POST", f"/api/dashboard/instances/{name}/auth")
        assert auth["kind"] == "Cloud"
        return auth["instanceUrl"], auth["adminKey"]

    def deployment(self, name: str) -> Deployment:
        url, key = self.instance(name)
        return Deployment(name, url, key)


class Deployment:
    """One deployment through the credential the platform handed out."""

    def __init__(self, name: str, url: str, key: str):
        self.name = name
        self.http = httpx.Client(
            base_url=url, headers={"Authorization": f"Convex {key}", "Convex-Client": "tests-0.1.0"}, timeout=60
        )

    def close(self) -> None:
        self.http.close()

    def call(self, kind: str, path: str, args: dict[str, Any] | None = None) -> Any:
        body = {"path": path, "args": encode_json_value(args or {}), "format": "convex_encoded_json"}
        reply = self.http.post(f"/api/{kind}", json=body)
        assert reply.status_code == 200, reply.text
        envelope = reply.json()
        if envelope["status"] != "success":
            raise AssertionError(envelope.get("errorMessage"))
        return decode_encoded_value(envelope["value"])

    def add(self, table: str, documents: list[dict[str, Any]]) -> None:
        for start in range(0, len(documents), 50):
            result = self.call(
                "mutation", "_system/frontend/addDocument", {"table": table, "documents": documents[start : start + 50]}
            )
            assert result["success"], result

    def latest_cloud_export(self) -> dict[str, Any] | None:
        return self.call("query", "_system/frontend/latestExport:latestCloudExport")

    def imports(self) -> list[dict[str, Any]]:
        return self.call("query", "_system/frontend/snapshotImport:list")

    def latest_restore(self) -> dict[str, Any] | None:
        return next((i for i in self.imports() if i["requestor"]["type"] == "cloudRestore"), None)

    def wait_restore(self, *states: str, timeout: float = 60) -> dict[str, Any]:
        def reached():
            document = self.latest_restore()
            if document and document["state"]["state"] == "failed" and "failed" not in states:
                raise AssertionError(document["state"]["error_message"])
            return document if document and document["state"]["state"] in states else None

        return wait_for(reached, timeout=timeout, message=f"restore into {self.name} to be {'/'.join(states)}")

    def confirm(self, import_id: str) -> None:
        reply = self.http.post("/api/perform_import", json={"importId": import_id})
        assert reply.status_code == 200, reply.text

    def download(self, snapshot_id: str) -> httpx.Response:
        return self.http.get(f"/api/export/zip/{snapshot_id}")

    def snapshot(self, include_storage: bool = True) -> bytes:
        """A fresh snapshot export of the deployment, downloaded."""
        before = self.call("query", "_system/cli/exports:getLatest")
        assert (
            self.http.post(f"/api/export/request/zip?includeStorage={str(include_storage).lower()}").status_code == 200
        )

        def done():
            export = self.call("query", "_system/cli/exports:getLatest")
            fresh = export and (before is None or export["_id"] != before["_id"])
            return export if fresh and export["state"] == "completed" else None

        export = wait_for(done, message=f"a snapshot export of {self.name}")
        reply = self.download(export["_id"])
        assert reply.status_code == 200
        return reply.content


def throttle(sandbox: SandboxProcess, name: str, seconds: float) -> None:
    """Slow one deployment's export/import workers (needs its own admin key)."""
    sandbox.set_throttle(name, seconds)


def tables_of(zip_bytes: bytes) -> dict[str, list[bytes]]:
    """Every table's documents.jsonl lines (sorted), `_storage` index included, keyed by member name."""
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        return {
            name: sorted(archive.read(name).splitlines())
            for name in archive.namelist()
            if name.endswith("/documents.jsonl") and not name.startswith("_tables/")
        }


def storage_files(zip_bytes: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        return {
            name: archive.read(name)
            for name in archive.namelist()
            if name.startswith("_storage/") and not name.endswith(".jsonl")
        }


def expect_error(reply: httpx.Response, status: int, code: str) -> str:
    assert reply.status_code == status, f"expected {status} {code}, got {reply.status_code} {reply.text}"
    body = reply.json()
    assert body["code"] == code, body
    assert set(body) == {"code", "message"}
    return body["message"]


def settle(seconds: float = 1.0) -> None:
    """Give background workers a chance to (wrongly) act, for tests that check nothing happens."""
    time.sleep(seconds)
