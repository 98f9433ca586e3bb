"""One team that refuses (SSO required, suspended) does not break the list: `list` shows that team's error
on its own line and every other team's deployments, and exits 0; when nothing at all can be listed it
says why for each team and exits 1."""

from __future__ import annotations

import json

import pytest
from cloud_world import PRO_PROD, STARTER_DEV, STARTER_PROD
from headless_support import clean_environ, run_cli

SSO = "Team acme requires single sign-on: log in through your identity provider."


@pytest.fixture
def acme_refuses(world):
    world.sandbox.refuse(team="acme", status=403, code="SSORequired", message=SSO)
    yield
    world.sandbox.refuse(clear=True)


def test_a_team_that_requires_sso_is_its_own_line(world, tmp_path, acme_refuses):
    environ = clean_environ(**world.environ(tmp_path))
    text = run_cli(tmp_path, environ, "list")
    assert text.returncode == 0, text.stderr
    assert f"team acme: could not be listed: {SSO}" in text.stdout  # the server's own words
    assert STARTER_PROD in text.stdout and STARTER_DEV in text.stdout and PRO_PROD not in text.stdout
    listed = json.loads(run_cli(tmp_path, environ, "list", "--json").stdout)
    assert {d["deployment"]["name"] for d in listed["deployments"]} == {STARTER_PROD, STARTER_DEV}
    assert [(n["team"], n["error"]) for n in listed["notes"]] == [("acme", True)]


def test_a_suspended_team_says_so(world, tmp_path):
    world.sandbox.refuse(
        team="acme", status=403, code="TeamSuspended", message="This team is suspended.", suspended=True
    )
    try:
        text = run_cli(tmp_path, clean_environ(**world.environ(tmp_path)), "list")
    finally:
        world.sandbox.refuse(clear=True)
    assert text.returncode == 0, text.stderr
    line = next(line for line in text.stdout.splitlines() if line.startswith("team acme:"))
    assert "This team is suspended." in line and line.endswith("(the team is suspended)")
    assert STARTER_PROD in text.stdout


def test_when_every_team_refuses_the_list_fails_with_each_reason(world, tmp_path):
    world.sandbox.refuse(team="acme", message=SSO)
    world.sandbox.refuse(team="sandbox", status=403, code="Forbidden", message="Listing refused.")
    try:
        text = run_cli(tmp_path, clean_environ(**world.environ(tmp_path)), "list")
    finally:
        world.sandbox.refuse(clear=True)
    assert text.returncode == 1
    assert "team acme: could not be listed" in text.stdout
    assert "team sandbox: could not be listed: Listing refused." in text.stdout
