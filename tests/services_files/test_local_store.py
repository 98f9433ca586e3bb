"""The local backup store: the manifest is written last, half-written backups are never listed (and can be
cleaned, unless someone is writing them), deletion hides a backup first, and retention follows a clock
the test controls."""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime, timedelta, timezone

import pytest

from tui.api.errors import NotFound
from tui.services.self_hosted.local_store import MANIFEST, LocalStore, RetentionPolicy

KEY = "brave-otter-1@127.0.0.1_3210"
START = datetime(2030, 1, 1, 4, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self, now: datetime = START):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(tmp_path, clock):
    return LocalStore(tmp_path / "backups", clock=clock)


def _backup(store: LocalStore, kind: str = "manual", env: dict | None = None):
    with store.begin(KEY, deployment="brave-otter-1", kind=kind) as pending:
        pending.zip_path.write_bytes(b"zip bytes")
        if env is not None:
            pending.write_env(env)
        return pending.commit(size=9, sha256="ab" * 32, snapshot_ts=1)


def test_a_backup_appears_only_once_its_manifest_is_written(store, clock):
    with store.begin(KEY, deployment="brave-otter-1") as pending:
        pending.zip_path.write_bytes(b"zip bytes")
        pending.write_env({"API_KEY": "secret"})
        assert store.list(KEY) == []  # everything but the manifest is there
        assert store.incomplete(KEY) == []  # and it is being written, so it is not "interrupted"
        stored = pending.commit(size=9, sha256="ab" * 32)
    assert [b.id for b in store.list(KEY)] == [stored.id]
    assert sorted(os.listdir(stored.folder)) == ["env.json", "manifest.json", "snapshot.zip"]
    for name in ("env.json", "manifest.json"):
        assert stat.S_IMODE((stored.folder / name).stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.folder.stat().st_mode) == 0o700
    assert json.loads(stored.env_path.read_text())["values"] == {"API_KEY": "secret"}
    record = stored.record()
    assert record.state == "complete" and record.kind == "manual"
    assert record.expires == START + timedelta(days=7)


def test_a_failed_backup_leaves_nothing(store):
    with pytest.raises(RuntimeError):
        with store.begin(KEY, deployment="brave-otter-1") as pending:
            pending.zip_path.write_bytes(b"half")
            raise RuntimeError("the download failed")
    assert store.list(KEY) == [] and store.incomplete(KEY) == []
    assert os.listdir(store.folder(KEY)) == []


def test_an_interrupted_backup_is_ignored_and_can_be_cleaned(store):
    kept = _backup(store)
    crashed = store.folder(KEY) / "20300101T040000Z-dead"  # what a killed process leaves: no manifest
    crashed.mkdir()
    (crashed / "snapshot.zip").write_bytes(b"partial")
    (crashed / ".writing").write_bytes(b"")
    assert [b.id for b in store.list(KEY)] == [kept.id]
    assert store.incomplete(KEY) == [crashed]
    assert store.clean_incomplete(KEY) == [crashed.name]
    assert not crashed.exists() and [b.id for b in store.list(KEY)] == [kept.id]


def test_a_damaged_manifest_does_not_make_a_backup(store):
    stored = _backup(store)
    (stored.folder / MANIFEST).write_text("{not json")
    assert store.list(KEY) == []


def test_get_by_id_prefix_and_latest(store, clock):
    first = _backup(store)
    clock.advance(hours=1)
    second = _backup(store)
    assert store.get(KEY, "latest").id == second.id
    assert store.get(KEY, second.id[:17]).id == second.id
    with pytest.raises(NotFound):
        store.get(KEY, "2030")  # both match
    with pytest.raises(NotFound):
        store.get(KEY, "nope")
    assert [b.id for b in store.list(KEY)] == [second.id, first.id]


def test_delete_hides_the_backup_before_removing_it(store):
    stored = _backup(store)
    store.delete(KEY, stored.id)
    assert store.list(KEY) == [] and not stored.folder.exists()


def test_retention_follows_convex_by_kind(store, clock):
    manual, daily, weekly = _backup(store, "manual"), _backup(store, "daily"), _backup(store, "weekly")
    clock.advance(days=6, hours=23)
    assert store.prune(KEY) == []
    clock.advance(hours=1)
    assert sorted(store.prune(KEY)) == sorted([manual.id, daily.id])
    clock.advance(days=7)
    assert store.prune(KEY) == [weekly.id]
    assert store.list(KEY) == []


def test_a_policy_changes_the_days_and_caps_the_count(store, clock):
    store.set_policy(KEY, RetentionPolicy(manual_days=1, max_backups=2))
    ids = []
    for _ in range(4):
        ids.append(_backup(store).id)
        clock.advance(minutes=10)
    assert store.prune(KEY, keep=ids[-1]) == [ids[1], ids[0]]
    assert [b.id for b in store.list(KEY)] == [ids[3], ids[2]]
    clock.advance(days=1)
    assert store.prune(KEY, keep=ids[3]) == [ids[2]]  # expired, but the newest is kept
    assert store.policy(KEY).max_backups == 2
    with pytest.raises(ValueError):
        store.set_policy(KEY, RetentionPolicy(max_backups=0))


def test_folder_names_are_safe_and_distinguish_hosts():
    assert LocalStore.key_for("convex-self-hosted", "https://a.example.com") == "convex-self-hosted@a.example.com"
    assert (
        LocalStore.key_for("convex-self-hosted", "https://b.example.com:8443")
        == "convex-self-hosted@b.example.com_8443"
    )
    assert "/" not in LocalStore.key_for("../../etc", "http://x")
    with pytest.raises(ValueError):
        LocalStore("/tmp").folder("../x")
