"""Real client: `@convex-dev/platform` (npm, v0.1.10), run by node with CONVEX_PROVISION_HOST pointing at
the sandbox's platform: token details, the team's projects and their deployments through the `/v1`
management API, and environment variables through the deployment API, with a team token."""

from __future__ import annotations

import json

import pytest
from real_clients import clean_env, node_project, platform_npm, run_node

pytestmark = pytest.mark.cli


def test_token_details_projects_deployments_and_env_vars(world, tmp_path):
    folder = node_project(tmp_path / "platform", platform_npm())
    token = world.team_token("sandbox")
    env = clean_env(CONVEX_PROVISION_HOST=world.platform_url)
    result = run_node(folder, "platform_package.mjs", token, world.url, env=env)
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr[-3000:]}"
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["tokenDetails"]["type"] == "teamToken" and isinstance(report["tokenDetails"]["teamId"], int)
    projects = report["projects"] if isinstance(report["projects"], list) else report["projects"]["items"]
    assert [p["slug"] for p in projects] == ["sandbox"]
    (deployment,) = report["deployments"]
    assert deployment["name"] == world.name and deployment["deploymentUrl"] == world.url
    assert deployment["kind"] == "cloud" and deployment["class"] == "s16"
    assert report["environment"]["environmentVariables"]["FROM_PLATFORM_PACKAGE"] == "set by @convex-dev/platform"
    assert "FROM_PLATFORM_PACKAGE" not in report["environmentAfter"]["environmentVariables"]
    assert report["deploymentInfo"]["kind"] == "cloud"
