"""`--debug` says which route gave a deployment's credential: the dashboard's instance auth, or, when big
brain refuses that to the token, the Convex CLI's `authorize_within_current_project`; never a secret."""

from __future__ import annotations

from cloud_world import STARTER_PROD
from headless_support import clean_environ, run_cli

SECRET = "debug-env-secret-5150"


def test_debug_names_the_credential_route(world, tmp_path):
    world.set_env(STARTER_PROD, {"DEBUG_SECRET": SECRET})
    environ = clean_environ(**world.environ(tmp_path))
    plain = run_cli(tmp_path, environ, "env", "--deployment", STARTER_PROD, "--debug")
    assert plain.returncode == 0, plain.stderr
    assert f"credential for deployment {STARTER_PROD}: POST /api/dashboard/instances/{{name}}/auth" in plain.stderr
    world.sandbox.refuse(
        route="instanceAuth", status=401, code="AccessTokenInvalid", message="Not a dashboard session."
    )
    try:
        refused = run_cli(tmp_path, environ, "--debug", "env", "--deployment", STARTER_PROD)
    finally:
        world.sandbox.refuse(clear=True)
    assert refused.returncode == 0, refused.stderr
    assert "DEBUG_SECRET=***" in refused.stdout
    assert "POST /api/dashboard/instances/{name}/auth refused" in refused.stderr
    assert (
        f"credential for deployment {STARTER_PROD}: POST /api/deployment/authorize_within_current_project"
        in refused.stderr
    )
    for output in (plain, refused):
        assert SECRET not in output.stdout + output.stderr and world.token not in output.stderr
