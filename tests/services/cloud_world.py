"""Helpers for the service and command tests (no tests here): a sandbox with a Starter team (two
deployments) and a Pro team (two deployments), started as a real `sandbox serve` process, and small
synchronous tools to put data and env vars into its deployments and read them back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from sandbox_process import SandboxProcess

from tui.api.secrets import Secret
from tui.values.encoding import decode_encoded_value, encode_json_value
from tui.emulator.platform.world import WorldEditor
from tui.services.cloud.target import CloudTarget
from tui.services.config.settings import Homes
from tui.services.config.open_target import cloud_target
from tui.services.config.targets import TargetSpec

STARTER_PROD, STARTER_DEV = "starter-prod-101", "starter-dev-102"
PRO_PROD, PRO_DEV = "acme-prod-201", "acme-dev-202"
WORLD = {
    STARTER_PROD: ("sandbox", "Sandbox", "starter", "notes", "Notes", "prod"),
    STARTER_DEV: ("sandbox", "Sandbox", "starter", "notes", "Notes", "dev"),
    PRO_PROD: ("acme", "Acme Corp", "pro", "shop", "Shop", "prod"),
    PRO_DEV: ("acme", "Acme Corp", "pro", "shop", "Shop", "dev"),
}


def build_world(data: Path) -> None:
    with WorldEditor(data) as world:
        teams: dict[str, int] = {}
        projects: dict[str, int] = {}
        for name, (team, team_name, plan, project, project_name, kind) in WORLD.items():
            if team not in teams:
                teams[team] = world.team(team, team_name, plan=plan)
            if project not in projects:
                projects[project] = world.project(teams[team], project, project_name)
            world.deployment(projects[project], name, kind)


class World:
    """The running sandbox and what a test needs to look inside it."""

    def __init__(self, data: Path, *, throttle: float = 0.0):
        build_world(data)
        self.sandbox = SandboxProcess(data, throttle=throttle).start()
        self._http: dict[str, httpx.Client] = {}

    def stop(self) -> None:
        self.forget_connections()
        self.sandbox.stop()

    def forget_connections(self) -> None:
        """Close the deployments' clients, so the next `http(name)` asks for each deployment's URL again."""
        for client in self._http.values():
            client.close()
        self._http.clear()

    @property
    def platform_url(self) -> str:
        return self.sandbox.platform_url

    @property
    def token(self) -> str:
        return self.sandbox.access_token

    def spec(self, **read_only: Any) -> TargetSpec:
        return TargetSpec(
            "sandbox", source="test", provision_host=self.platform_url, token=Secret(self.token), **read_only
        )

    def target(self, home: Path, *, read_only: frozenset[str] = frozenset(), use_sync: bool = True) -> CloudTarget:
        homes = Homes(home / "config", home / "data")
        return cloud_target(self.spec(read_only_names=read_only), homes, use_sync=use_sync)

    def environ(self, home: Path) -> dict[str, str]:
        """Variables for a `convex-backups` subprocess aimed at this sandbox."""
        return {
            "CONVEX_PROVISION_HOST": self.platform_url,
            "CONVEX_OVERRIDE_ACCESS_TOKEN": self.token,
            "CONVEX_BACKUPS_HOME": str(home),
            "HOME": str(home),
        }

    # -- a deployment, through the credential big brain hands out ---------------------------------------
    def http(self, name: str) -> httpx.Client:
        if name not in self._http:
            with self.sandbox.platform_client() as platform:
                auth = platform.post(f"/api/dashboard/instances/{name}/auth").json()
            self._http[name] = httpx.Client(
                base_url=auth["instanceUrl"],
                timeout=60,
                headers={"Authorization": f"Convex {auth['adminKey']}", "Convex-Client": "tests-0.1.0"},
            )
        return self._http[name]

    def call(self, name: str, kind: str, path: str, args: dict[str, Any] | None = None) -> Any:
        body = {"path": path, "args": encode_json_value(args or {}), "format": "convex_encoded_json"}
        reply = self.http(name).post(f"/api/{kind}", json=body)
        assert reply.status_code == 200, reply.text
        envelope = reply.json()
        assert envelope["status"] == "success", envelope
        return decode_encoded_value(envelope["value"])

    def add(self, name: str, table: str, documents: list[dict[str, Any]]) -> None:
        for start in range(0, len(documents), 100):
            result = self.call(
                name,
                "mutation",
                "_system/frontend/addDocument",
                {"table": table, "documents": documents[start : start + 100]},
            )
            assert result["success"], result

    def documents(self, name: str, table: str) -> list[dict[str, Any]]:
        """Every document of a table, sorted by id."""
        out: list[dict[str, Any]] = []
        cursor = None
        while True:
            import base64
            import json

            filters = base64.urlsafe_b64encode(json.dumps({"clauses": [], "order": "asc"}).encode()).decode()
            page = self.call(
                name,
                "query",
                "_system/frontend/paginatedTableDocuments",
                {
                    "table": table,
                    "paginationOpts": {"numItems": 500.0, "cursor": cursor},
                    "filters": filters.rstrip("="),
                    "componentId": None,
                },
            )
            out += page["page"]
            if page["isDone"]:
                return sorted(out, key=lambda d: d["_id"])
            cursor = page["continueCursor"]

    def tables(self, name: str) -> list[str]:
        mapping = self.call(name, "query", "_system/frontend/getTableMapping", {"componentId": None})
        return sorted(t for t in mapping.values() if not t.startswith("_"))

    def set_env(self, name: str, values: dict[str, str | None]) -> None:
        changes = [{"name": k, "value": v} for k, v in values.items()]
        reply = self.http(name).post("/api/v1/update_environment_variables", json={"changes": changes})
        assert reply.status_code == 200, reply.text

    def env(self, name: str) -> dict[str, str]:
        return self.http(name).get("/api/v1/list_environment_variables").json()["environmentVariables"]

    def throttle(self, name: str, seconds: float) -> None:
        self.sandbox.set_throttle(name, seconds)

    def platform(self, method: str, path: str, body: Any = None) -> Any:
        with self.sandbox.platform_client() as platform:
            reply = platform.request(method, path, json=body)
        assert reply.status_code == 200, reply.text
        return reply.json() if reply.content else None

    def deployment_id(self, name: str) -> int:
        return self.platform("GET", f"/v1/deployments/{name}")["id"]

    def backups(self, name: str) -> list[dict[str, Any]]:
        return self.platform("GET", f"/api/dashboard/deployments/{self.deployment_id(name)}/list_cloud_backups")

    def imports(self, name: str) -> list[dict[str, Any]]:
        return self.call(name, "query", "_system/frontend/snapshotImport:list")
