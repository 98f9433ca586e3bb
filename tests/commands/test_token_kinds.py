"""A team token, a project deploy key or a preview deploy key in the environment is routed through the APIs
Convex documents for it, never first to a dashboard route documented for login tokens, and no refused
route fails the start: `list` says what the token can and cannot do."""

from __future__ import annotations

import re

from cloud_world import PRO_DEV, PRO_PROD, STARTER_PROD
from headless_support import clean_environ, run_cli

REQUEST = re.compile(r"tui\.api\.transport\.http: (GET|POST|HEAD) (\S+) -> (\d+)")


def _requests(stderr: str) -> list[tuple[str, str, int]]:
    return [(m.group(1), m.group(2), int(m.group(3))) for m in REQUEST.finditer(stderr)]


def test_a_team_token_lists_through_v1_and_opens_deployments_with_itself(world, tmp_path):
    token = world.sandbox.team_token("acme")
    environ = clean_environ(**{**world.environ(tmp_path), "CONVEX_OVERRIDE_ACCESS_TOKEN": token})
    world.set_env(PRO_PROD, {"TEAM_TOKEN_SEES": "yes"})
    # Convex documents team tokens for /v1 only, and the sandbox refuses them every other route.
    listed = run_cli(tmp_path, environ, "list", "--debug")
    env = run_cli(tmp_path, environ, "env", "--deployment", PRO_PROD, "--debug")
    assert listed.returncode == 0, listed.stderr
    requests = _requests(listed.stderr)
    assert requests[0][:2] == ("GET", "/v1/token_details")
    assert all(not path.startswith("/api/dashboard/teams") for _, path, _ in requests)
    assert "token: team token: lists this team's projects and deployments" in listed.stdout
    assert PRO_PROD in listed.stdout and PRO_DEV in listed.stdout and STARTER_PROD not in listed.stdout
    assert "(backups could not be listed:" in listed.stdout  # said on each deployment, not a failed start
    assert env.returncode == 0, env.stderr
    assert "TEAM_TOKEN_SEES=***" in env.stdout
    assert f"credential for deployment {PRO_PROD}: the token itself" in env.stderr
    assert token not in listed.stdout + listed.stderr + env.stdout + env.stderr


def test_a_preview_key_alone_says_what_it_cannot_do(world, tmp_path):
    environ = clean_environ(**{**world.environ(tmp_path), "CONVEX_DEPLOY_KEY": "preview:acme:shop|c2VjcmV0LWtleQ"})
    environ.pop("CONVEX_OVERRIDE_ACCESS_TOKEN")
    listed = run_cli(tmp_path, environ, "list", "--debug")
    assert listed.returncode == 0, listed.stderr
    assert "preview deploy key: it deploys preview deployments and cannot list" in listed.stdout
    assert not _requests(listed.stderr)  # nothing asked of a route Convex does not document for it


def test_a_project_key_starts_with_v1_and_a_refusal_is_a_note(world, tmp_path):
    environ = clean_environ(**{**world.environ(tmp_path), "CONVEX_DEPLOY_KEY": "project:acme:shop|c2VjcmV0LWtleQ"})
    environ.pop("CONVEX_OVERRIDE_ACCESS_TOKEN")
    listed = run_cli(tmp_path, environ, "list", "--debug")
    assert listed.returncode == 0, listed.stderr
    assert [path for _, path, _ in _requests(listed.stderr)] == ["/v1/token_details"]
    assert "token: project deploy key: Convex's /v1/token_details refused it" in listed.stdout


def test_a_deployment_deploy_key_alone_goes_to_the_deployment_itself(world, tmp_path):
    key = world.sandbox.credentials(STARTER_PROD)["CONVEX_SELF_HOSTED_ADMIN_KEY"]
    environ = clean_environ(**{**world.environ(tmp_path), "CONVEX_DEPLOY_KEY": f"prod:{key}"})
    environ.pop("CONVEX_OVERRIDE_ACCESS_TOKEN")
    listed = run_cli(tmp_path, environ, "list", "--debug")
    assert listed.returncode == 0, listed.stderr
    paths = [path for _, path, _ in _requests(listed.stderr)]
    assert paths[0] == "/api/deployment/url_for_key" and not any(p.startswith("/api/dashboard") for p in paths)
    assert STARTER_PROD in listed.stdout and key.split("|")[1] not in listed.stdout + listed.stderr


def test_a_login_the_dashboard_listing_refuses_lists_through_the_cli_and_v1_routes(world, tmp_path):
    environ = clean_environ(**world.environ(tmp_path))
    world.sandbox.refuse(route="dashboardListing", status=403, code="Forbidden", message="dashboard sessions only")
    try:
        listed = run_cli(tmp_path, environ, "list", "--debug")
    finally:
        world.sandbox.refuse(clear=True)
    assert listed.returncode == 0, listed.stderr
    paths = [path for _, path, _ in _requests(listed.stderr)]
    assert "/api/teams" in paths and any(p.startswith("/v1/teams/") and p.endswith("/projects") for p in paths)
    assert STARTER_PROD in listed.stdout and PRO_PROD in listed.stdout
