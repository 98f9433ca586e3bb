"""The headless commands end to end: real `convex-backups` processes with CONVEX_BACKUPS_HOME in a temporary
folder, aimed at a sandbox through CONVEX_PROVISION_HOST and CONVEX_OVERRIDE_ACCESS_TOKEN. Every output is
kept, and the last test checks that no secret reached any of them."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from datetime import date

import pytest
from cloud_world import PRO_DEV, PRO_PROD, STARTER_DEV, STARTER_PROD
from headless_support import clean_environ, run_cli

from tui.services.schedules.times import local_to_utc

ENV_SECRET = "sk-live-headless-secret-4242"
OUTPUTS: list[str] = []


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def cli(world, home):
    def run(*args: str, profile_env: dict[str, str] | None = None, **extra_env: str):
        environ = clean_environ(**{**world.environ(home), **(profile_env or {}), **extra_env})
        result = run_cli(home, environ, *args)
        OUTPUTS.extend([result.stdout, result.stderr])
        return result

    return run


def test_list(cli, world):
    result = cli("list", "--json")
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    names = {d["deployment"]["name"] for d in listed["deployments"]}
    assert names >= {STARTER_PROD, STARTER_DEV, PRO_PROD, PRO_DEV}
    assert all(len(d["backups"]) == len(world.backups(d["deployment"]["name"])) for d in listed["deployments"])
    text = cli("list", "--deployment", PRO_PROD)
    assert text.returncode == 0 and PRO_PROD in text.stdout and "PRODUCTION" in text.stdout
    assert STARTER_PROD not in text.stdout


def at_the_plan_limit(cli, world) -> None:
    """STARTER_PROD holding the two backups its Starter plan allows, taken by this app (so each has an env
    snapshot) while its environment holds ENV_SECRET: what test_backup_wait leaves, made here for the tests
    that need it, so that each passes alone."""
    world.set_env(STARTER_PROD, {"API_KEY": ENV_SECRET})
    while len(world.backups(STARTER_PROD)) < 2:
        made = cli("backup", "--deployment", STARTER_PROD, "--wait")
        assert made.returncode == 0, made.stderr


def test_backup_wait(cli, world):
    for earlier in world.backups(STARTER_PROD):  # left by a test that ran before: room for two new ones
        world.platform("POST", f"/api/dashboard/cloud_backups/{earlier['id']}/delete")
    world.add(STARTER_PROD, "notes", [{"n": i} for i in range(50)])
    world.set_env(STARTER_PROD, {"API_KEY": ENV_SECRET})
    result = cli("backup", "--deployment", STARTER_PROD, "--wait", "--include-storage", "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["state"] == "complete" and record["include_storage"] and record["env_snapshot"]
    second = cli("backup", "--deployment", STARTER_PROD, "--wait")
    assert second.returncode == 0 and "complete" in second.stdout


def test_backup_refused_at_the_plan_limit(cli, world):
    at_the_plan_limit(cli, world)
    result = cli("backup", "--deployment", STARTER_PROD)
    assert result.returncode == 1
    assert "plan allows (2)" in result.stderr and "delete an older backup" in result.stderr
    assert len(world.backups(STARTER_PROD)) == 2


def test_backup_progress_on_a_terminal(world, home):
    world.add(PRO_PROD, "events", [{"n": i} for i in range(300)])
    world.throttle(PRO_PROD, 0.1)
    leader, follower = pty.openpty()
    try:
        environ = clean_environ(**world.environ(home))
        process = subprocess.run(
            [sys.executable, "-m", "tui", "backup", "--deployment", PRO_PROD, "--wait"],
            cwd=home,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
            timeout=120,
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        world.throttle(PRO_PROD, 0)
        os.close(leader)
    terminal = b"".join(chunks).decode(errors="replace")
    OUTPUTS.extend([process.stdout, terminal])
    assert process.returncode == 0
    assert "\r" in terminal and "Backing up" in terminal and "%" in terminal


def test_restore_refusals(cli, world):
    at_the_plan_limit(cli, world)
    backup_id = str(world.backups(STARTER_PROD)[0]["id"])
    assert cli("restore", backup_id, "--deployment", STARTER_PROD, "--confirm", STARTER_PROD).returncode == 3
    wrong = cli("restore", backup_id, "--deployment", STARTER_PROD, "--confirm", STARTER_DEV, "--yes")
    assert wrong.returncode == 3 and "exact name" in wrong.stderr
    missing = cli("restore", "999999", "--deployment", STARTER_PROD, "--confirm", STARTER_PROD, "--yes")
    assert missing.returncode == 5
    assert [i for i in world.imports(STARTER_PROD) if i["requestor"]["type"] == "cloudRestore"] == []


def test_restore_into_a_read_only_deployment_is_refused(cli, world, home):
    at_the_plan_limit(cli, world)
    config = home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f"[deployments.{STARTER_PROD}]\nread_only = true\n")
    try:
        backup_id = str(world.backups(STARTER_PROD)[0]["id"])
        result = cli("restore", backup_id, "--deployment", STARTER_PROD, "--confirm", STARTER_PROD, "--yes")
        assert result.returncode == 3 and "read_only" in result.stderr
        listed = json.loads(cli("list", "--json", "--deployment", STARTER_PROD).stdout)
        assert listed["deployments"][0]["deployment"]["read_only"] is True
    finally:
        config.unlink()
    assert [i for i in world.imports(STARTER_PROD) if i["requestor"]["type"] == "cloudRestore"] == []


def test_restore_with_a_safety_backup(cli, world):
    world.add(PRO_PROD, "orders", [{"order": i} for i in range(80)])
    made = cli("backup", "--deployment", PRO_PROD, "--wait", "--json")
    backup_id = json.loads(made.stdout)["id"]
    expected = world.documents(PRO_PROD, "orders")
    world.add(PRO_DEV, "orders", [{"order": "dev only"}])
    dev_backups = len(world.backups(PRO_DEV))
    result = cli(
        "restore", backup_id, "--from", PRO_PROD, "--deployment", PRO_DEV, "--confirm", PRO_DEV, "--yes", "--json"
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["result"]["state"] == "completed" and out["safety_backup"]
    assert len(world.backups(PRO_DEV)) == dev_backups + 1  # the safety backup was taken first
    assert "orders" in result.stderr and "Safety backup" in result.stderr  # the change summary was shown
    assert world.documents(PRO_DEV, "orders") == expected
    # the same deployment again: a backup younger than five minutes is reused when asked for, with its age
    again = cli("restore", backup_id, "--deployment", PRO_PROD, "--confirm", PRO_PROD, "--yes", "--safety", "recent")
    assert again.returncode == 0 and "writes made since then are NOT in it" in again.stderr
    assert world.documents(PRO_PROD, "orders") == expected


def test_schedule(cli, world):
    starter = cli("schedule", "daily", "04:00", "--deployment", STARTER_PROD)
    assert starter.returncode == 1 and "Periodic backups are a Convex Pro feature" in starter.stderr
    assert "upgrade the team to Pro" in starter.stderr and "Traceback" not in starter.stderr
    weekly = cli("schedule", "weekly", "sun", "01:00", "--include-storage", "--deployment", STARTER_PROD, "--json")
    assert weekly.returncode == 1 and "Periodic backups are a Convex Pro feature" in weekly.stderr
    assert cli("schedule", "--deployment", STARTER_PROD).stdout.strip().endswith("off")
    utc = cli("schedule", "weekly", "sun", "23:05", "--utc", "--include-storage", "--deployment", PRO_PROD, "--json")
    assert utc.returncode == 0, utc.stderr
    stored = json.loads(utc.stdout)["schedule"]
    assert (stored["weekday"], stored["utc_hour"], stored["utc_minute"], stored["include_storage"]) == (0, 23, 5, True)
    local = cli("schedule", "weekly", "mon", "01:00", "--deployment", PRO_PROD, TZ="Europe/Berlin")
    assert local.returncode == 0, local.stderr
    weekday, hour, minute = local_to_utc(1, 1, 0, __import__("zoneinfo").ZoneInfo("Europe/Berlin"), today=date.today())
    config = world.platform(
        "GET", f"/api/dashboard/deployments/{world.deployment_id(PRO_PROD)}/get_periodic_backup_config"
    )
    assert config["cronspec"] == f"{minute} {hour} * * {weekday}"
    assert "Monday at 01:00 local" in local.stdout
    assert cli("schedule", "off", "--deployment", PRO_PROD).returncode == 0
    assert (
        world.platform("GET", f"/api/dashboard/deployments/{world.deployment_id(PRO_PROD)}/get_periodic_backup_config")
        is None
    )
    assert cli("schedule", "fortnightly", "--deployment", PRO_PROD).returncode == 2


def test_env(cli, world):
    at_the_plan_limit(cli, world)
    listed = cli("env", "--deployment", STARTER_PROD)
    assert listed.returncode == 0 and "API_KEY=***" in listed.stdout and "backup " in listed.stdout
    saved = json.loads(cli("env", "save", "--deployment", STARTER_PROD, "--json").stdout)["id"]
    world.set_env(STARTER_PROD, {"API_KEY": None, "EXTRA": "1"})
    diff = cli("env", "diff", saved, "--deployment", STARTER_PROD)
    assert diff.returncode == 0 and "+ API_KEY" in diff.stdout and "- EXTRA" in diff.stdout
    refused = cli("env", "restore", saved, "--deployment", STARTER_PROD)
    assert refused.returncode == 3 and world.env(STARTER_PROD) == {"EXTRA": "1"}
    restored = cli("env", "restore", saved, "--deployment", STARTER_PROD, "--yes", "--json")
    assert restored.returncode == 0, restored.stderr
    assert world.env(STARTER_PROD) == {"API_KEY": ENV_SECRET}
    assert cli("env", "diff", "nope", "--deployment", STARTER_PROD).returncode == 5
    shown = subprocess.run(
        [sys.executable, "-m", "tui", "env", "--deployment", STARTER_PROD, "--show-values"],
        capture_output=True,
        text=True,
        cwd=world.sandbox.data.parent,
        env=clean_environ(**world.environ(world.sandbox.data.parent / "h2")),
    )
    assert ENV_SECRET in shown.stdout  # asked for: not kept with the other outputs


def test_errors_and_exit_codes(cli, world):
    assert cli("list", "--deployment", "no-such-deployment").returncode == 5
    several = cli("backup")
    assert several.returncode == 2 and "--deployment" in several.stderr
    bad = cli("list", CONVEX_OVERRIDE_ACCESS_TOKEN="not-a-valid-token-000000000000")
    assert bad.returncode == 4
    assert cli("list", "--profile", "nobody").returncode == 2
    assert cli("--profile", "nobody", "list").returncode == 2


def test_profiles(world, home, tmp_path):
    config = tmp_path / "p" / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        f'[profiles.ops]\nkind = "cloud"\ntoken = "{world.token}"\nprovision_host = "{world.platform_url}"\n'
        f'deployment = "{PRO_DEV}"\n[profiles.ops.deployments.{PRO_DEV}]\nread_only = true\n'
    )
    environ = clean_environ(CONVEX_BACKUPS_HOME=str(tmp_path / "p"), HOME=str(tmp_path / "p"))
    listed = run_cli(tmp_path / "p", environ, "list", "--profile", "ops", "--json")
    OUTPUTS.extend([listed.stdout, listed.stderr])
    assert listed.returncode == 0, listed.stderr
    deployments = {d["deployment"]["name"]: d["deployment"] for d in json.loads(listed.stdout)["deployments"]}
    assert deployments[PRO_DEV]["read_only"] is True and deployments[PRO_PROD]["read_only"] is False
    refused = run_cli(tmp_path / "p", environ, "--profile", "ops", "schedule", "off")
    OUTPUTS.extend([refused.stdout, refused.stderr])
    assert refused.returncode == 3 and PRO_DEV in refused.stderr


def test_the_embedded_sandbox_when_nothing_is_configured(tmp_path):
    home = tmp_path / "empty"
    environ = clean_environ(CONVEX_BACKUPS_HOME=str(home), HOME=str(home))
    result = run_cli(home, environ, "list", "--json")
    OUTPUTS.extend([result.stdout, result.stderr])
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert listed["target"]["kind"] == "sandbox" and "not your Convex account" in listed["target"]["notice"]
    assert len(listed["deployments"]) >= 6  # a first start gets the demo world
    assert (home / "data" / "sandbox" / "access_token").is_file()
    text = run_cli(home, environ, "list")
    assert "local sandbox — not your Convex account" in text.stderr


def test_no_secret_in_any_output(cli, world):
    """Every output this module kept: the other tests' when they ran before it in this process, and, so that
    the check never stands on nothing, the commands most likely to show a secret, run here."""
    at_the_plan_limit(cli, world)
    before = len(OUTPUTS)
    for args in (
        ("list",),
        ("list", "--json"),
        ("env", "--deployment", STARTER_PROD),
        ("env", "--deployment", STARTER_PROD, "--json"),
        ("env", "save", "--deployment", STARTER_PROD),
        ("backup", "--deployment", STARTER_PROD),
        ("schedule", "--deployment", PRO_PROD),
        ("list", "--deployment", "no-such-deployment"),
    ):
        cli(*args)
    assert len(OUTPUTS) - before == 16
    text = "\n".join(OUTPUTS)
    assert world.token not in text
    assert ENV_SECRET not in text
    with world.sandbox.platform_client() as platform:
        key = platform.post(f"/api/dashboard/instances/{STARTER_PROD}/auth").json()["adminKey"]
    assert key not in text and key.split("|")[-1] not in text
