"""Headless `restore` and `import` and their safety copy (`--safety fresh|recent|local|none`), against a
sandbox `serve` process with a Starter team, a Pro team (a second project, an EU deployment, a dedicated
one) and a second Pro team: what Convex would refuse is refused before any safety backup is taken (the
backup counts do not move), each refusal names the flag that gets past it, and a backup of another
deployment is restored only with --from."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from headless_support import clean_environ, run_cli
from sandbox_process import SandboxProcess

from cloud_world import World
from tui.emulator.platform.world import WorldEditor

SOLO = "solo-prod-301"  # Starter: at most 2 backups
SHOP_PROD, SHOP_DEV = "shop-prod-401", "shop-dev-402"
TASKS_DEV = "tasks-dev-403"  # the same team, another project
CRM_EU = "crm-eu-404"  # another region
BIG = "big-prod-405"  # a dedicated class
RIVAL = "rival-prod-501"  # another team
SECRET = "sk-live-safety-headless-5150"


class SafetyWorld(World):
    def __init__(self, data: Path):  # the teams of this module, not cloud_world's
        with WorldEditor(data) as world:
            solo = world.project(world.team("solo", "Solo", plan="starter"), "notes", "Notes")
            acme = world.team("acme", "Acme", plan="pro")
            shop = world.project(acme, "shop", "Shop")
            world.deployment(shop, SHOP_PROD, "prod")
            world.deployment(shop, SHOP_DEV, "dev")
            world.deployment(shop, BIG, "prod", deployment_class="d1024", is_default=False)
            world.deployment(world.project(acme, "tasks", "Tasks"), TASKS_DEV, "dev")
            world.deployment(world.project(acme, "crm", "CRM"), CRM_EU, "prod", region="aws-eu-west-1")
            world.deployment(solo, SOLO, "prod")
            world.deployment(world.project(world.team("rival", "Rival", plan="pro"), "app", "App"), RIVAL, "prod")
        self.sandbox = SandboxProcess(data).start()
        self._http = {}

    def upload_file(self, name: str, data: bytes) -> None:
        reply = self.http(name).post("/api/storage/upload", content=data, headers={"Content-Type": "text/plain"})
        assert reply.status_code == 200, reply.text

    def stage_restore(self, name: str, backup_id: str) -> None:
        """A cloud restore left waiting for confirmation (as a dashboard tab closed mid-way leaves one)."""
        self.platform(
            "POST",
            f"/api/dashboard/deployments/{self.deployment_id(name)}/restore_from_cloud_backup",
            {"id": int(backup_id)},
        )


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    started = SafetyWorld(tmp_path_factory.mktemp("safety") / "sandbox")
    for name in (SOLO, SHOP_PROD, SHOP_DEV, TASKS_DEV, CRM_EU, BIG, RIVAL):
        started.add(name, "items", [{"n": i, "of": name} for i in range(20)])
    started.upload_file(SHOP_DEV, b"a receipt the restore would drop")
    started.set_env(SOLO, {"SOLO_API_KEY": SECRET})
    yield started
    started.stop()


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def cli(world, home):
    def run(*args: str):
        result = run_cli(home, clean_environ(**world.environ(home)), *args)
        assert SECRET not in result.stdout + result.stderr
        return result

    return run


@pytest.fixture(scope="module")
def shop_backup(cli):
    made = cli("backup", "--deployment", SHOP_PROD, "--wait", "--include-storage", "--json")
    assert made.returncode == 0, made.stderr
    return json.loads(made.stdout)["id"]


def counts(world, *names: str) -> dict[str, int]:
    return {name: len(world.backups(name)) for name in names}


def cloud_restores(world, name: str) -> list[dict]:
    return [i for i in world.imports(name) if i["requestor"]["type"] == "cloudRestore"]


def restore(cli, backup_id: str, into: str, *extra: str):
    return cli("restore", backup_id, "--deployment", into, "--confirm", into, "--yes", *extra)


# -- refusals that cost no safety backup --------------------------------------------------------------


def test_a_backup_of_another_project_needs_from(cli, world, shop_backup):
    """Issue 13: `restore ID --deployment OTHER` restored SHOP_PROD's backup into another project, exit 0."""
    before = counts(world, TASKS_DEV)
    result = restore(cli, shop_backup, TASKS_DEV)
    assert result.returncode == 3, result.stderr
    assert SHOP_PROD in result.stderr and TASKS_DEV in result.stderr and f"--from {SHOP_PROD}" in result.stderr
    assert counts(world, TASKS_DEV) == before and cloud_restores(world, TASKS_DEV) == []
    wrong_from = restore(cli, shop_backup, TASKS_DEV, "--from", SHOP_DEV)
    assert wrong_from.returncode == 5 and SHOP_PROD in wrong_from.stderr and SHOP_DEV in wrong_from.stderr


@pytest.mark.parametrize(
    "into, source_team, words",
    [
        (CRM_EU, None, "region"),
        (BIG, None, "dedicated"),
        (SHOP_DEV, RIVAL, "team"),
    ],
)
def test_what_convex_refuses_is_refused_before_a_safety_backup(cli, world, shop_backup, into, source_team, words):
    if source_team is None:
        source, backup_id = SHOP_PROD, shop_backup
    else:
        made = cli("backup", "--deployment", source_team, "--wait", "--json")
        source, backup_id = source_team, json.loads(made.stdout)["id"]
    before = counts(world, into)
    result = restore(cli, backup_id, into, "--from", source)
    assert result.returncode == 3, result.stderr
    assert words in result.stderr and "no flag" in result.stderr and "nothing" not in result.stdout
    assert counts(world, into) == before  # no safety backup was spent on it
    assert cloud_restores(world, into) == []


def test_a_restore_waiting_on_the_target_is_refused_before_a_safety_backup(cli, world, shop_backup):
    world.stage_restore(TASKS_DEV, shop_backup)
    try:
        before = counts(world, TASKS_DEV)
        result = restore(cli, shop_backup, TASKS_DEV, "--from", SHOP_PROD)
        assert result.returncode == 3 and "a second restore would be refused" in result.stderr, result.stderr
        assert counts(world, TASKS_DEV) == before
    finally:
        for staged in cloud_restores(world, TASKS_DEV):
            if staged["state"]["state"] == "waiting_for_confirmation":
                world.http(TASKS_DEV).post("/api/cancel_import", json={"importId": staged["_id"]})


# -- --safety fresh | recent | local | none ---------------------------------------------------------------


def test_fresh_is_the_default_and_carries_the_files(cli, world):
    recent = json.loads(cli("backup", "--deployment", SHOP_DEV, "--wait", "--json").stdout)  # no file storage
    assert recent["state"] == "complete" and not recent["include_storage"]
    before = counts(world, SHOP_DEV)
    result = restore(cli, recent["id"], SHOP_DEV, "--json")
    assert result.returncode == 0, result.stderr
    safety = json.loads(result.stdout)["safety_backup"]
    assert safety != recent["id"] and counts(world, SHOP_DEV)[SHOP_DEV] == before[SHOP_DEV] + 1
    taken = next(b for b in world.backups(SHOP_DEV) if str(b["id"]) == safety)
    assert taken["includeStorage"] and taken["state"] == "complete"
    assert "with file storage" in result.stderr


def test_recent_reuses_a_backup_and_says_its_age(cli, world):
    made = json.loads(cli("backup", "--deployment", SHOP_DEV, "--wait", "--include-storage", "--json").stdout)
    before = counts(world, SHOP_DEV)
    result = restore(cli, made["id"], SHOP_DEV, "--safety", "recent", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["safety_backup"] == made["id"] and counts(world, SHOP_DEV) == before
    assert "ago (" in result.stderr and "NOT in it" in result.stderr


def test_recent_without_files_is_refused_naming_the_flags(cli, world):
    world.upload_file(TASKS_DEV, b"a file the storage-less backup lacks")
    made = json.loads(cli("backup", "--deployment", TASKS_DEV, "--wait", "--json").stdout)  # no file storage
    before, restores = counts(world, TASKS_DEV), len(cloud_restores(world, TASKS_DEV))
    result = restore(cli, made["id"], TASKS_DEV, "--safety", "recent")
    assert result.returncode == 3, result.stderr
    assert "no file storage" in result.stderr and "--safety fresh" in result.stderr
    assert counts(world, TASKS_DEV) == before and len(cloud_restores(world, TASKS_DEV)) == restores


def test_none_needs_yes(cli, world, shop_backup):
    before = counts(world, SHOP_PROD)
    refused = cli("restore", shop_backup, "--deployment", SHOP_PROD, "--confirm", SHOP_PROD, "--safety", "none")
    assert refused.returncode == 3 and "--yes" in refused.stderr
    done = restore(cli, shop_backup, SHOP_PROD, "--safety", "none", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["safety_backup"] is None and counts(world, SHOP_PROD) == before
    assert "--safety none" in done.stderr


def test_a_starter_deployment_at_its_limit_restores_with_a_local_snapshot(cli, world, home):
    for _ in range(2):
        assert cli("backup", "--deployment", SOLO, "--wait", "--include-storage").returncode == 0
    backup_id = str(world.backups(SOLO)[-1]["id"])
    expected = world.documents(SOLO, "items")
    world.add(SOLO, "items", [{"n": "written after the backup"}])
    before = counts(world, SOLO)
    assert before[SOLO] == 2
    refused = restore(cli, backup_id, SOLO)  # the default, a fresh cloud backup, cannot be taken
    assert refused.returncode == 3 and "--safety local" in refused.stderr and "(2)" in refused.stderr
    assert counts(world, SOLO) == before and cloud_restores(world, SOLO) == []

    result = restore(cli, backup_id, SOLO, "--safety", "local", "--json")
    assert result.returncode == 0, result.stderr
    local_id = json.loads(result.stdout)["safety_backup"]
    assert counts(world, SOLO) == before  # no backup slot used
    assert world.documents(SOLO, "items") == expected
    folders = list((home / "data" / "backups").glob(f"{SOLO}*/{local_id}"))
    assert len(folders) == 1 and str(folders[0]) in result.stderr
    assert (folders[0] / "snapshot.zip").stat().st_size > 0
    assert stat.S_IMODE((folders[0] / "env.json").stat().st_mode) == 0o600
    assert json.loads((folders[0] / "env.json").read_text())["values"]["SOLO_API_KEY"] == SECRET


def test_import_at_the_limit_takes_a_local_snapshot(cli, world, home, tmp_path):
    backup_id = str(world.backups(SOLO)[0]["id"])
    downloaded = cli("download", backup_id, "--deployment", SOLO, "--to", str(tmp_path), "--json")
    assert downloaded.returncode == 0, downloaded.stderr
    path = json.loads(downloaded.stdout)["path"]
    before = counts(world, SOLO)
    refused = cli("import", path, "--confirm", SOLO, "--yes", "--deployment", SOLO)
    assert refused.returncode == 3 and "--safety local" in refused.stderr
    result = cli("import", path, "--confirm", SOLO, "--yes", "--deployment", SOLO, "--safety", "local", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["safety_backup"] and counts(world, SOLO) == before
