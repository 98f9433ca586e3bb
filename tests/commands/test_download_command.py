"""`convex-backups download BACKUP_ID --deployment NAME`: a named deployment is not looked up in the listing
before the bytes flow (its credential, asked for beside the backup's record, says that it exists), and a
name that is no deployment is still NotFound, naming the deployments there are."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cloud_world import PRO_DEV

REQUEST = re.compile(r"tui\.api\.transport\.http: (?:GET|POST) (\S+) -> \d+")
NOT_FOUND = 5


@pytest.fixture(scope="module")
def backup_id(cli):
    made = cli("backup", "--deployment", PRO_DEV, "--wait", "--json")
    assert made.returncode == 0, made.stderr
    return str(json.loads(made.stdout)["id"])


def test_a_named_deployment_is_downloaded_without_listing_the_teams(cli, backup_id, tmp_path):
    done = cli("download", backup_id, "--deployment", PRO_DEV, "--to", str(tmp_path), "--json", "--debug")
    assert done.returncode == 0, done.stderr
    saved = json.loads(done.stdout)
    path = Path(saved["path"])
    assert path.parent == tmp_path and path.is_file()
    assert Path(saved["sidecar"]).read_text().split()[0] == saved["sha256"]
    paths = REQUEST.findall(done.stderr)
    assert paths[0] == "/v1/token_details"  # a token of unknown kind: no dashboard route before it is known
    assert not [p for p in paths if "/teams" in p], paths  # neither the dashboard's listing nor /v1's
    assert f"/api/dashboard/cloud_backups/{backup_id}" in paths and paths[-1].startswith("/api/export/zip/")


def test_a_name_that_is_no_deployment_is_not_found(cli, backup_id, tmp_path):
    missing = cli("download", backup_id, "--deployment", "no-such-deployment-404", "--to", str(tmp_path / "dl"))
    assert missing.returncode == NOT_FOUND, missing.stdout + missing.stderr
    assert "No deployment named 'no-such-deployment-404' is visible to this login" in missing.stderr
    assert PRO_DEV in missing.stderr and "Traceback" not in missing.stderr
    assert not (tmp_path / "dl").exists() or not any((tmp_path / "dl").iterdir())


def test_a_named_deployment_big_brain_refuses_instance_auth_for_comes_through_the_cli_route(
    world, cli, backup_id, tmp_path
):
    world.sandbox.refuse(
        route="instanceAuth", status=401, code="AccessTokenInvalid", message="Not a dashboard session."
    )
    try:
        done = cli("download", backup_id, "--deployment", PRO_DEV, "--to", str(tmp_path), "--json", "--debug")
    finally:
        world.sandbox.refuse(clear=True)
    assert done.returncode == 0, done.stderr
    assert Path(json.loads(done.stdout)["path"]).is_file()
    assert f"credential for deployment {PRO_DEV}: POST /api/deployment/authorize_within_current_project" in done.stderr
