"""A staged import left behind blocks a deployment until it is confirmed or cancelled: `convex-backups imports`
lists it, `convex-backups cancel-import ID` cancels it, and an import this app staged in a run that was
killed is cancelled by the next start (tui/services/restore/staged_guard.py)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cloud_world import PRO_DEV, STARTER_DEV, STARTER_PROD
from headless_support import clean_environ, run_cli

sys.path.insert(0, str(Path(__file__).parent.parent / "emulator"))  # the import tests' helpers

from import_support import documents, get_import, make_zip, upload, wait_state  # noqa: E402
from sandbox_process import wait_for  # noqa: E402

NOTES = 10001


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def cli(world, home):
    def run(*args: str, **extra_env: str):
        return run_cli(home, clean_environ(**{**world.environ(home), **extra_env}), *args)

    return run


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("zips") / "notes.zip"
    path.write_bytes(make_zip({"notes": documents(NOTES, 30)}))
    return path


def _imports(cli, deployment: str) -> list[dict]:
    result = cli("imports", "--deployment", deployment, "--json")
    assert result.returncode == 0, result.stderr
    (listed,) = json.loads(result.stdout)["deployments"]
    assert listed["deployment"] == deployment
    return listed["imports"]


def test_a_staged_import_left_by_a_killed_client_is_listed_and_cancelled(world, cli, snapshot):
    # What a client killed at its confirmation prompt leaves: an upload parsed and never confirmed.
    client = world.http(STARTER_DEV)
    left = upload(client, make_zip({"notes": documents(NOTES, 5)}), mode="replaceAll")
    wait_state(client, left, "waiting_for_confirmation")

    blocked = cli(
        "import", str(snapshot), "--deployment", STARTER_DEV, "--confirm", STARTER_DEV, "--yes", "--no-safety-backup"
    )
    assert blocked.returncode != 0 and left in blocked.stderr, blocked.stderr
    assert f"cancel-import {left} --deployment {STARTER_DEV}" in blocked.stderr

    (listed,) = [r for r in _imports(cli, STARTER_DEV) if r["id"] == left]
    assert listed["state"] == "waiting_for_confirmation" and listed["staged"]
    assert listed["tables"] == ["notes"] and "snapshot import" in listed["who"]
    assert listed["age_seconds"] is not None and listed["age_seconds"] < 3600
    text = cli("imports", "--deployment", STARTER_DEV)
    assert text.returncode == 0 and left in text.stdout and "waiting for confirmation" in text.stdout
    assert f"cancel-import ID --deployment {STARTER_DEV}" in text.stdout

    cancelled = cli("cancel-import", left)  # found in whichever deployment holds it
    assert cancelled.returncode == 0, cancelled.stderr
    assert f"Cancelled import {left} on {STARTER_DEV}" in cancelled.stdout
    assert get_import(client, left)["state"] == {"state": "failed", "error_message": "Import canceled"}
    again = cli("cancel-import", left, "--deployment", STARTER_DEV)
    assert again.returncode == 1 and "nothing to cancel" in again.stderr

    imported = cli(
        "import", str(snapshot), "--deployment", STARTER_DEV, "--confirm", STARTER_DEV, "--yes", "--no-safety-backup"
    )
    assert imported.returncode == 0, imported.stderr
    assert len(world.documents(STARTER_DEV, "notes")) == 30


def test_cancelling_a_running_import_needs_yes(world, cli):
    client = world.http(STARTER_DEV)
    before = world.documents(STARTER_DEV, "notes")
    # Four batches at 2 s a step: the import is still running when the command has started, even on a busy
    # machine (at 0.5 s and two batches it could finish first).
    with world.sandbox.throttled(STARTER_DEV, 2.0):
        running = upload(client, make_zip({"notes": documents(NOTES, 8000)}), mode="replaceAll")
        wait_state(client, running, "waiting_for_confirmation", timeout=60)
        assert client.post("/api/perform_import", json={"importId": running}).status_code == 200
        refused = cli("cancel-import", running, "--deployment", STARTER_DEV)
        assert refused.returncode == 3 and "--yes" in refused.stderr, refused.stderr
        assert get_import(client, running)["state"]["state"] in ("in_progress", "completed")
        done = cli("cancel-import", running, "--deployment", STARTER_DEV, "--yes")
    if done.returncode == 0:
        assert get_import(client, running)["state"]["error_message"] == "Import canceled"
        assert world.documents(STARTER_DEV, "notes") == before  # all or nothing: the data from before
    else:  # it finished first
        assert "already completed" in done.stderr


def test_an_import_the_app_staged_before_it_was_killed_is_cancelled_on_the_next_start(world, cli, home, snapshot):
    client = world.http(PRO_DEV)
    environ = clean_environ(**world.environ(home))
    with world.sandbox.throttled(PRO_DEV, 1.0):  # `uploaded` stays visible for a step
        # A change of the delay also cuts the next pause short: let a throwaway import take that one.
        throwaway = upload(client, make_zip({"notes": documents(NOTES, 1)}), mode="replaceAll")
        wait_state(client, throwaway, "waiting_for_confirmation", timeout=60)
        assert client.post("/api/cancel_import", json={"importId": throwaway}).status_code == 200
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tui",
                "import",
                str(snapshot),
                "--deployment",
                PRO_DEV,
                "--confirm",
                PRO_DEV,
                "--yes",
                "--no-safety-backup",
            ],
            cwd=home,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        staged = _kill_once_staged(process, client, lambda d: d["state"]["state"] == "uploaded", "the app's upload")
        wait_state(client, staged, "waiting_for_confirmation", timeout=60)  # and there it would stay

    result = cli("imports", "--deployment", PRO_DEV, "--json")  # the next start of the app
    assert result.returncode == 0, result.stderr
    assert f"Cancelled import {staged} on {PRO_DEV}" in result.stderr  # and it says so
    (listed,) = json.loads(result.stdout)["deployments"]
    (record,) = [r for r in listed["imports"] if r["id"] == staged]
    assert record["state"] == "failed" and record["error"] == "Import canceled"
    assert (
        not (home / "data" / "staged_imports.json").exists()
        or staged not in (home / "data" / "staged_imports.json").read_text()
    )


def _raw_imports(client) -> list[dict]:
    from convex_http import query

    return query(client, "_system/frontend/snapshotImport:list", {}) or []


def _kill_once_staged(process, client, staged, what: str) -> str:
    """The id of the first import `staged(document)` picks out while the app's `process` runs; the process is
    then killed, before it could confirm or cancel that import."""

    def found():
        assert process.poll() is None, process.communicate()
        return next((d["_id"] for d in _raw_imports(client) if staged(d)), None)

    try:
        return wait_for(found, timeout=90, message=what)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()


def test_a_cloud_restore_the_app_staged_before_it_was_killed_is_cancelled_on_the_next_start(world, cli, home):
    """Convex's dashboard confirms the newest cloud restore waiting for confirmation on its own, so one left
    staged by a killed `restore` would go ahead the next time anyone opens the Backups page: the next start of
    the app cancels it."""
    made = cli("backup", "--deployment", PRO_DEV, "--wait", "--json")
    assert made.returncode == 0, made.stderr
    backup_id = json.loads(made.stdout)["id"]
    client = world.http(PRO_DEV)
    environ = clean_environ(**world.environ(home))
    with world.sandbox.throttled(PRO_DEV, 1.0):  # `uploaded` stays visible for a step
        throwaway = upload(client, make_zip({"notes": documents(NOTES, 1)}), mode="replaceAll")  # see above
        wait_state(client, throwaway, "waiting_for_confirmation", timeout=60)
        assert client.post("/api/cancel_import", json={"importId": throwaway}).status_code == 200
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tui",
                "restore",
                str(backup_id),
                "--deployment",
                PRO_DEV,
                "--confirm",
                PRO_DEV,
                "--yes",
                "--safety",
                "none",
            ],
            cwd=home,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        staged = _kill_once_staged(
            process,
            client,
            lambda d: d["requestor"]["type"] == "cloudRestore" and d["state"]["state"] == "uploaded",
            "the restore's import",
        )
        wait_state(client, staged, "waiting_for_confirmation", timeout=60)  # what a dashboard tab would confirm
    ledger = (home / "data" / "staged_imports.json").read_text()
    assert f'"backup_id": "{backup_id}"' in ledger and '"kind": "cloudRestore"' in ledger  # recorded first

    result = cli("imports", "--deployment", PRO_DEV, "--json")  # the next start of the app
    assert result.returncode == 0, result.stderr
    assert f"Cancelled import {staged} on {PRO_DEV}" in result.stderr
    (listed,) = json.loads(result.stdout)["deployments"]
    (record,) = [r for r in listed["imports"] if r["id"] == staged]
    assert record["state"] == "failed" and record["error"] == "Import canceled"
    assert record["who"].startswith(f"a cloud restore of backup {backup_id}")
    assert staged not in (home / "data" / "staged_imports.json").read_text()


def test_a_self_hosted_restore_the_app_staged_before_it_was_killed_is_cancelled_on_the_next_start(
    world, home, tmp_path
):
    """On self-hosted Convex a restore uploads this app's own copy of the backup as a snapshot import: the
    next start finds and cancels that one too, although the killed run never learnt its id."""
    credentials = world.sandbox.credentials(STARTER_PROD)
    environ = clean_environ(
        CONVEX_SELF_HOSTED_URL=credentials["CONVEX_SELF_HOSTED_URL"],
        CONVEX_SELF_HOSTED_ADMIN_KEY=credentials["CONVEX_SELF_HOSTED_ADMIN_KEY"],
        CONVEX_BACKUPS_HOME=str(tmp_path),
        HOME=str(tmp_path),
    )
    made = run_cli(tmp_path, environ, "backup", "--wait", "--json")
    assert made.returncode == 0, made.stderr
    stored = json.loads(made.stdout)
    name = stored["deployment"]
    client = world.http(STARTER_PROD)
    with world.sandbox.throttled(STARTER_PROD, 1.0):  # `uploaded` stays visible for a step
        throwaway = upload(client, make_zip({"notes": documents(NOTES, 1)}), mode="replaceAll")  # see above
        wait_state(client, throwaway, "waiting_for_confirmation", timeout=60)
        assert client.post("/api/cancel_import", json={"importId": throwaway}).status_code == 200
        known = {d["_id"] for d in _raw_imports(client)}
        process = subprocess.Popen(
            [sys.executable, "-m", "tui", "restore", stored["id"], "--confirm", name, "--yes", "--safety", "none"],
            cwd=tmp_path,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        staged = _kill_once_staged(
            process,
            client,
            lambda d: d["_id"] not in known and d["state"]["state"] == "uploaded",
            "the restore's upload",
        )
        wait_state(client, staged, "waiting_for_confirmation", timeout=60)

    result = run_cli(tmp_path, environ, "imports", "--json")  # the next start of the app
    assert result.returncode == 0, result.stderr
    assert f"Cancelled import {staged} on {name}" in result.stderr
    assert get_import(client, staged)["state"] == {"state": "failed", "error_message": "Import canceled"}


def test_a_cloud_restore_staged_elsewhere_is_listed_with_the_dashboards_auto_confirm(world, cli):
    """A restore someone else staged (the platform's restore route called directly) waits for confirmation:
    `imports` says that any open dashboard Backups page would confirm it, and `cancel-import` cancels it."""
    made = cli("backup", "--deployment", PRO_DEV, "--wait", "--json")
    assert made.returncode == 0, made.stderr
    backup_id = json.loads(made.stdout)["id"]
    world.platform(
        "POST",
        f"/api/dashboard/deployments/{world.deployment_id(PRO_DEV)}/restore_from_cloud_backup",
        {"id": int(backup_id)},
    )
    client = world.http(PRO_DEV)
    staged = next(
        d["_id"]
        for d in _raw_imports(client)
        if d["requestor"]["type"] == "cloudRestore" and d["state"]["state"] in ("uploaded", "waiting_for_confirmation")
    )
    wait_state(client, staged, "waiting_for_confirmation", timeout=60)
    listed = cli("imports", "--deployment", PRO_DEV)
    assert listed.returncode == 0 and staged in listed.stdout, listed.stderr
    assert (
        f"confirms the newest staged cloud restore by itself as soon as anyone opens the Backups page of "
        f"{PRO_DEV}" in listed.stdout
    )
    assert cli("cancel-import", staged, "--deployment", PRO_DEV).returncode == 0
    assert get_import(client, staged)["state"] == {"state": "failed", "error_message": "Import canceled"}
