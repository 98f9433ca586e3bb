"""The kill campaign (tui/README.md, "Tests and benchmarks"): the sandbox is SIGKILLed at random moments of a
throttled headless `convex-backups restore` (or `import` of the same backup's ZIP), every other round with the
client, and started again on the same folder and ports. Every time, each table and `_storage` must show exactly
the data from before or exactly the backup's (all or nothing across the whole restore), both in the database
the killed process left and after recovery; the outcome must match what the import and the client say; no
import may be left uploaded, waiting for confirmation or in progress; and a further restore must go through.

The kill moments are drawn from a seeded RNG, anchored in turn on the client's start (its checks, the upload,
the restore request), the import being `uploaded` (staging), `waiting_for_confirmation` (the confirmation) and
`in_progress` (writing). CONVEX_BACKUPS_KILL_TRIALS sets the number of trials (16 by default: each command with
each anchor, with and without the client killed, once) and CONVEX_BACKUPS_KILL_SEED the seed (a new one each run,
printed and named in every failure)."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from cloud_world import PRO_DEV, World
from headless_support import clean_environ, run_cli

sys.path.insert(0, str(Path(__file__).parent.parent / "emulator"))  # the import tests' helpers

from convex_http import query  # noqa: E402
from import_support import documents, seed  # noqa: E402
from sandbox_process import wait_for  # noqa: E402

from tui.archive.ids import new_id  # noqa: E402
from tui.emulator.imports import state as imports  # noqa: E402
from tui.emulator.deployment.tables import STORAGE_TABLE_NUMBER, active_tablets  # noqa: E402

TRIALS = int(os.environ.get("CONVEX_BACKUPS_KILL_TRIALS") or 16)  # 2 commands x 4 anchors x 2 (client killed or not)
SEED = int(os.environ.get("CONVEX_BACKUPS_KILL_SEED") or random.SystemRandom().randrange(1_000_000))
THROTTLE = 0.05  # seconds at every step of the import worker: a restore takes about a second
USERS, MESSAGES, NOTES, TAGS = 10001, 10002, 10003, 10004
# What each kill moment is measured from, and the longest delay drawn after it (seconds).
WINDOWS = {"client start": 0.8, "uploaded": THROTTLE, "waiting_for_confirmation": 0.02, "in_progress": 0.5}
ORDER = ("uploaded", "waiting_for_confirmation", "in_progress", "completed", "failed")
CLIENT_TIMEOUT = 60  # seconds a client may take to finish after the restart (its retries take well under 10)
REPRODUCE = "CONVEX_BACKUPS_KILL_SEED={seed} .venv/bin/python -m pytest tests/commands/test_restore_kill_campaign.py"


@dataclass
class Moment:
    trial: int
    command: str  # "restore" (a cloud backup) or "import" (the same backup's ZIP from disk)
    anchor: str
    delay: float
    client_too: bool  # the client is killed with the sandbox (a machine that lost power), not left retrying
    killed_after: float | None = None  # seconds after the client started
    seen: str = "not yet killed"  # the restore's import as the killed process left it on disk

    def __str__(self) -> str:
        when = f"{self.killed_after:.2f}s after the client started" if self.killed_after is not None else "not killed"
        who = "the sandbox and the client" if self.client_too else "the sandbox"
        return (
            f"seed {SEED} trial {self.trial}, {self.command}: {who} killed {self.delay:.3f}s after {self.anchor} "
            f"({when}; {self.seen}) — reproduce with {REPRODUCE.format(seed=SEED)}"
        )


def _state(tag: str, users: int, extra: tuple[str, int, int], files: int) -> tuple[dict, dict[str, bytes]]:
    name, number, count = extra
    tables = {
        "users": documents(USERS, users, state=tag),
        "messages": documents(MESSAGES, 40 if tag == "A" else 25, state=tag, text=f"message of {tag}"),
        name: documents(number, count, state=tag),
    }
    return tables, {new_id(STORAGE_TABLE_NUMBER): f"file {i} of state {tag}".encode() for i in range(files)}


def _snapshot(client: httpx.Client) -> dict[str, Any]:
    """Every non-empty user table's documents by id, and `_storage` by id with each file's bytes."""
    mapping = query(client, "_system/frontend/getTableMapping", {})
    out: dict[str, Any] = {}
    for name in sorted(mapping.values()):
        if name.startswith("_"):
            continue
        rows = _pages(client, "_system/frontend/paginatedTableDocuments", {"table": name})
        if rows:
            out[name] = rows
    files = _pages(client, "_system/cli/tableData", {"table": "_storage"})
    for storage_id, document in files.items():
        reply = client.get(f"/api/storage/{storage_id}")
        assert reply.status_code == 200, f"_storage {storage_id} is listed but its file answers {reply.status_code}"
        files[storage_id] = {**document, "#bytes": reply.content}
    if files:
        out["_storage"] = files
    return out


def _pages(client: httpx.Client, path: str, args: dict[str, Any]) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    cursor = None
    while True:
        page = query(client, path, {**args, "paginationOpts": {"numItems": 1000.0, "cursor": cursor}})
        rows.update({d["_id"]: d for d in page["page"]})
        if page["isDone"]:
            return rows
        cursor = page["continueCursor"]


def _differences(got: dict[str, Any], want: dict[str, Any]) -> list[str]:
    out = []
    for table in sorted(set(got) | set(want)):
        a, b = got.get(table, {}), want.get(table, {})
        if a != b:
            changed = sum(1 for k in set(a) & set(b) if a[k] != b[k])
            out.append(f"{table}: {len(set(a) - set(b))} extra, {len(set(b) - set(a))} missing, {changed} changed")
    return out


def _which(got: dict[str, Any], expected: dict[str, dict[str, Any]], where: str) -> str:
    """ "A" or "B": the state `got` is exactly; anything else fails, saying how it differs from each."""
    for tag, want in expected.items():
        if got == want:
            return tag
    raise AssertionError(
        f"{where} showed neither state A nor state B:\n  against A: "
        f"{_differences(got, expected['A'])}\n  against B: {_differences(got, expected['B'])}"
    )


def _imports(client: httpx.Client) -> list[dict[str, Any]]:
    return query(client, "_system/frontend/snapshotImport:list", {}) or []


def _database(sandbox) -> Path:
    return sandbox.data / "deployments" / PRO_DEV / "deployment.sqlite3"


def _visible_on_disk(database: Path) -> dict[str, Any]:
    """What the deployment shows, read from its database file in one read transaction: every non-empty active
    table's documents by id (each with its stored file's bytes for `_storage`). Read while the sandbox is
    down, it is exactly what the killed process left visible."""
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        conn.execute("BEGIN")
        out: dict[str, Any] = {}
        for tablet in active_tablets(conn):
            rows = conn.execute(
                "SELECT d.id, d.body, b.data FROM documents d LEFT JOIN blobs b ON b.internal_id = d.blob "
                "WHERE d.tablet = ?",
                (tablet.tablet,),
            ).fetchall()
            if rows:
                out[tablet.name] = {doc_id: (orjson.loads(body), data) for doc_id, body, data in rows}
        return out
    finally:
        conn.close()


def _left_on_disk(sandbox, before: set[str]) -> tuple[str | None, str]:
    """The state of the restore's import as the killed process left it in its database, and words for it."""
    conn = sqlite3.connect(f"file:{_database(sandbox)}?mode=ro", uri=True)
    try:
        new = [d for d in imports.recent(conn) if d["_id"] not in before]
    finally:
        conn.close()
    if not new:
        return None, "no import yet"
    document = new[0]
    written = sum(c.get("num_rows_written") or 0 for c in document.get("checkpoints") or [])
    state = document["state"]["state"]
    return state, f"import {document['_id']} {state}, {written:,} rows written"


def _outcome(process: subprocess.Popen, moment: Moment) -> tuple[str, str]:
    """The client's stdout and stderr once it ends; a client that never ends fails the trial with what it said."""
    try:
        return process.communicate(timeout=CLIENT_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        raise AssertionError(
            f"{moment}: the client was still running {CLIENT_TIMEOUT}s after the sandbox came back:\n{stdout}\n{stderr}"
        ) from None


class Campaign:
    def __init__(self, world: World, root: Path):
        self.world = world
        self.home = root / "home"
        self.home.mkdir()
        self.environ = clean_environ(**self.world.environ(self.home))
        self.client = self.world.http(PRO_DEV)
        self.backups: dict[str, int] = {}
        self.zips: dict[str, Path] = {}
        self.expected: dict[str, dict[str, Any]] = {}  # over HTTP
        self.on_disk: dict[str, dict[str, Any]] = {}  # in the database file
        for tag, users, extra, files in (("A", 2100, ("notes", NOTES, 6), 2), ("B", 2300, ("tags", TAGS, 7), 3)):
            tables, stored = _state(tag, users, extra, files)
            seed(self.client, tables, files=stored)
            self.expected[tag] = _snapshot(self.client)
            self.on_disk[tag] = _visible_on_disk(_database(self.world.sandbox))
            assert len(self.expected[tag]["_storage"]) == files and len(self.expected[tag]["users"]) == users
            self.backups[tag] = self._backup()
            folder = root / "zips" / tag
            downloaded = self.cli("download", str(self.backups[tag]), "--deployment", PRO_DEV, "--to", str(folder))
            assert downloaded.returncode == 0, downloaded.stderr
            (self.zips[tag],) = folder.glob("*.zip")
        self.current = "B"
        self.tally: dict[str, int] = {}  # what the trials ended with, for the summary line

    def _backup(self) -> int:
        path = f"/api/dashboard/deployments/{self.world.deployment_id(PRO_DEV)}/request_cloud_backup"
        backup_id = self.world.platform("POST", path, {"includeStorage": True})["id"]

        def complete():
            backup = self.world.platform("GET", f"/api/dashboard/cloud_backups/{backup_id}")
            assert backup["state"] not in ("failed", "canceled"), backup
            return backup["state"] == "complete"

        wait_for(complete, timeout=60, message=f"backup {backup_id}")
        return backup_id

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return run_cli(self.home, self.environ, *args)

    def replace_args(self, command: str, tag: str) -> list[str]:
        """The headless command that replaces the deployment's data with state `tag`: `restore` of its cloud
        backup or `import` of that backup's ZIP (both as the app does them, with no safety copy)."""
        what = str(self.backups[tag]) if command == "restore" else str(self.zips[tag])
        return [
            sys.executable,
            "-m",
            "tui",
            command,
            what,
            "--deployment",
            PRO_DEV,
            "--confirm",
            PRO_DEV,
            "--yes",
            "--safety",
            "none",
        ]

    def which(self, moment: Moment | str) -> str:
        """ "A" or "B": the state the deployment holds over HTTP, which must be exactly one of them."""
        return _which(_snapshot(self.client), self.expected, f"{moment}: the deployment")

    # -- one trial ----------------------------------------------------------------------------------------
    def trial(self, moment: Moment) -> str:
        sandbox = self.world.sandbox
        old = self.current
        new = "A" if old == "B" else "B"
        before = {d["_id"] for d in _imports(self.client)}
        started = time.monotonic()
        process = subprocess.Popen(
            self.replace_args(moment.command, new),
            cwd=self.home,
            env=self.environ,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            self._wait_for_anchor(moment, process, before)
            time.sleep(moment.delay)
            sandbox.kill()
            if moment.client_too:
                process.kill()
            moment.killed_after = time.monotonic() - started
            state_at_kill, moment.seen = _left_on_disk(sandbox, before)
            at_kill = _which(_visible_on_disk(_database(sandbox)), self.on_disk, f"{moment}: at the kill the database")
            assert at_kill == (new if state_at_kill == "completed" else old), (
                f"{moment}: at the kill the deployment showed state {at_kill} (before: {old}, backup: {new})"
            )
            self._restart(moment, process)
            stdout, stderr = _outcome(process, moment)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        said = (stdout.strip().splitlines() or stderr.strip().splitlines() or ["(nothing)"])[-1]
        assert "Traceback" not in stderr, f"{moment}: the client printed a traceback:\n{stderr}"

        def settled():
            ours = [d for d in _imports(self.client) if d["_id"] not in before]
            return None if any(d["state"]["state"] in ("uploaded", "in_progress") for d in ours) else ours or [None]

        ours = [d for d in wait_for(settled, timeout=60, message=f"{moment}: the import to settle") if d]
        staged = [d["_id"] for d in ours if d["state"]["state"] == "waiting_for_confirmation"]
        ways = self._clean_up(moment, staged)
        cleanup = f"left staged ({', '.join(staged)}): {', '.join(ways)}" if staged else "nothing left staged"
        stuck = [
            (d["_id"], d["state"]["state"])
            for d in _imports(self.client)
            if d["state"]["state"] in imports.ACTIVE_STATES
        ]
        assert not stuck, f"{moment}: imports left stuck: {stuck}"

        holds = self.which(moment)
        final = [d["state"] for d in _imports(self.client) if d["_id"] not in before]
        completed = any(state["state"] == "completed" for state in final)
        assert holds == (new if completed else old), (
            f"{moment}: the deployment holds state {holds} (before: {old}, backup: {new}) but the restore's "
            f"imports ended {final}"
        )
        if process.returncode == 0:
            done = "Restored backup" if moment.command == "restore" else "Imported"
            assert holds == new and done in stdout, f"{moment}: exit 0 but {said!r}, state {holds}"
        self.current = holds
        for fact in ("new" if holds == new else "old", *ways):
            self.tally[fact] = self.tally.get(fact, 0) + 1
        client = "client killed" if moment.client_too else f"client exit {process.returncode} ({said})"
        outcome = {new: "the backup's data (new)", old: "the data from before (old)"}[holds]
        who = "sandbox and client" if moment.client_too else "sandbox"
        return (
            f"{moment.command}, {who} killed {moment.delay:.3f}s after {moment.anchor}: {moment.seen}, showing "
            f"state {at_kill}; {client}; {cleanup}; holds {outcome} [{time.monotonic() - started:.1f}s]"
        )

    def _restart(self, moment: Moment, process: subprocess.Popen) -> None:
        """Start the sandbox again on its ports, where the client, still retrying, reaches it."""
        sandbox = self.world.sandbox
        urls = (sandbox.platform_url, sandbox.deployments[PRO_DEV])
        sandbox.start(same_ports=True)
        if (sandbox.platform_url, sandbox.deployments[PRO_DEV]) != urls:
            # Another process took a port in between (the sandbox then serves on a free one): the client cannot
            # reach the sandbox any more, as if it had been killed too.
            moment.client_too = True
            moment.seen += "; the restarted sandbox could not have its ports back, so the client was killed"
            process.kill()
            self.world.forget_connections()
            self.client = self.world.http(PRO_DEV)

    def _wait_for_anchor(self, moment: Moment, process: subprocess.Popen, before: set[str]) -> None:
        if moment.anchor == "client start":
            return
        wanted = ORDER.index(moment.anchor)

        def reached():
            if process.poll() is not None:
                return "the client ended first"
            ours = [d for d in _imports(self.client) if d["_id"] not in before]
            return bool(ours) and ORDER.index(ours[0]["state"]["state"]) >= wanted

        wait_for(reached, timeout=60, interval=0.005, message=f"{moment}: the import to reach {moment.anchor}")

    def _clean_up(self, moment: Moment, staged: list[str]) -> list[str]:
        """A restore left waiting for confirmation by a client that died or gave up: the app's next start
        cancels what it staged (tui/services/restore/staged_guard.py); otherwise `cancel-import` does. Which did,
        for each import."""
        if not staged:
            return []
        listed = self.cli("imports", "--deployment", PRO_DEV, "--json")
        assert listed.returncode == 0, f"{moment}: imports failed: {listed.stderr}"
        done = []
        for import_id in staged:
            if f"Cancelled import {import_id}" in listed.stderr:
                done.append("cancelled by the app's next start")
                continue
            record = next(r for r in json.loads(listed.stdout)["deployments"][0]["imports"] if r["id"] == import_id)
            assert record["state"] == "waiting_for_confirmation", f"{moment}: {record}"
            cancelled = self.cli("cancel-import", import_id, "--deployment", PRO_DEV)
            assert cancelled.returncode == 0, f"{moment}: cancel-import {import_id} failed: {cancelled.stderr}"
            done.append("cancelled with cancel-import")
        return done


@pytest.mark.timeout(120 + 30 * TRIALS)
def test_killing_the_sandbox_during_a_restore_leaves_old_or_new_data_and_nothing_stuck(tmp_path):
    print(f"\nkill campaign: seed {SEED}, {TRIALS} trials ({REPRODUCE.format(seed=SEED)})")
    world = World(tmp_path / "sandbox", throttle=THROTTLE)
    try:
        campaign = Campaign(world, tmp_path)
        anchors = list(WINDOWS)
        for number in range(TRIALS):
            rng = random.Random(f"{SEED}/{number}")
            # Every 16 trials, each command with each anchor, once with the client left running (it retries
            # and reaches the restarted sandbox) and once with the client killed with the sandbox.
            command = ("restore", "import")[number % 2]
            anchor = anchors[number // 2 % len(anchors)]
            client_too = number // (2 * len(anchors)) % 2 == 1
            moment = Moment(number, command, anchor, rng.uniform(0, WINDOWS[anchor]), client_too)
            print(f"trial {number}: {campaign.trial(moment)}")
        print(f"kill campaign, seed {SEED}: " + ", ".join(f"{n} {fact}" for fact, n in sorted(campaign.tally.items())))

        # The deployment is not blocked: one more restore, left alone, goes through. An export that a killed
        # restore had started (to save the documents it would revert) resumes with the sandbox and must end
        # (stuck, it fails here); Convex takes one export at a time, so that restore waits for it.
        def exporting() -> bool:
            latest = [
                world.call(PRO_DEV, "query", path)
                for path in ("_system/frontend/latestExport", "_system/frontend/latestExport:latestCloudExport")
            ]
            return any(export and export["state"] in ("requested", "in_progress") for export in latest)

        wait_for(
            lambda: not exporting(),
            timeout=90,
            interval=0.2,
            message=f"seed {SEED}: the export a killed restore had started to end",
        )
        other = "A" if campaign.current == "B" else "B"
        last = subprocess.run(
            campaign.replace_args("restore", other),
            cwd=campaign.home,
            env=campaign.environ,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert last.returncode == 0, f"seed {SEED}: the restore after the campaign failed: {last.stderr}"
        assert campaign.which(f"seed {SEED}, the restore after the campaign") == other
    finally:
        world.stop()
