"""Saved env var sets on disk, the diff, and the progress helpers (no network)."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timezone

import pytest

from tui.api.errors import NotFound
from tui.services.deployment import env_vars as env_ops
from tui.services.deployment.env_store import EnvStore
from tui.services.errors import ConfigError
from tui.services.deployment.export_progress import ExportProgress, table_fraction
from tui.services.progress import Estimator, PollInterval
from tui.services.protocol import EnvSnapshot


def test_saved_sets_are_private_and_found_by_id_prefix_or_latest(tmp_path):
    store = EnvStore(tmp_path / "env")
    first = store.save("dep-1", {"KEY": "value-one-secret"}, taken=datetime(2030, 1, 1, tzinfo=timezone.utc))
    second = store.save(
        "dep-1",
        {"KEY": "value-two-secret", "B": "b"},
        reason="backup 7",
        taken=datetime(2030, 1, 2, tzinfo=timezone.utc),
    )
    for path in (tmp_path / "env" / "dep-1").iterdir():
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "env").st_mode) == 0o700
    assert [s.id for s in store.list("dep-1")] == [second.id, first.id]
    assert store.find("dep-1", "latest").id == second.id
    assert store.find("dep-1", first.id[:9]).values == {"KEY": "value-one-secret"}
    assert store.find("dep-1", second.id).reason == "backup 7"
    with pytest.raises(NotFound):
        store.find("dep-1", "2030")  # a prefix of both
    with pytest.raises(NotFound):
        store.find("dep-2", "latest")
    with pytest.raises(ConfigError):
        store.list("../escape")
    assert "secret" not in repr(second) and "secret" not in str(store.list("dep-1"))
    assert second.masked() == {"B": "***", "KEY": "***"}
    (tmp_path / "env" / "dep-1" / "garbage.json").write_text("{not json")
    assert len(store.list("dep-1")) == 2


def test_diff():
    snapshot = EnvSnapshot("d", datetime.now(timezone.utc), {"A": "1", "B": "2", "C": "3"}, id="x")
    diff = env_ops.diff({"B": "2", "C": "changed", "D": "4"}, snapshot)
    assert (diff.added, diff.removed, diff.changed, diff.unchanged) == (("A",), ("D",), ("C",), ("B",))
    assert not diff.is_empty and env_ops.diff({"A": "1", "B": "2", "C": "3"}, snapshot).is_empty


@pytest.mark.parametrize(
    "message, expected",
    [
        ("Backing up users: 1,000 / 4,000 documents", (0.25, 1000, 4000)),
        ("Backing up users in 'waitlist': 10 / 40 documents", (0.25, 10, 40)),
        ("Backing up users", (None, None, None)),
        ("Backing up _storage: 5 / 10 files (downloading)", (0.5, 5, 10)),
        ("Beginning backup", (None, None, None)),
        (None, (None, None, None)),
    ],
)
def test_table_fraction_is_the_current_tables_alone(message, expected):
    reading = table_fraction(message)
    assert (reading.fraction, reading.done, reading.total) == expected and not reading.overall


# What Convex's export worker writes, smallest table first, then _storage (tui/services/deployment/export_progress.py).
CONVEX_MESSAGES = [
    "Beginning backup",
    "Backing up _tables",
    "Backing up tags",
    "Backing up tags: 100 / 100 documents",
    "Backing up users",
    "Backing up users: 1,000 / 3,000 documents",
    "Backing up users: 3,000 / 3,000 documents",
    "Backing up orders",
    "Backing up orders: 3,450 / 6,900 documents",
    "Backing up _storage",
    "Backing up _storage: 4 / 4 entries (metadata)",
    "Backing up _storage: 1 / 4 files (downloading)",
    "Backing up _storage: 4 / 4 files (downloading)",
]


def test_the_overall_fraction_comes_from_table_sizes_and_convexs_order():
    tracker = ExportProgress({"tags": 100, "users": 3000, "orders": 6900})
    readings = [tracker.read(m) for m in CONVEX_MESSAGES]
    assert all(r.overall for r in readings)
    fractions = [r.fraction for r in readings]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    at = dict(zip(CONVEX_MESSAGES, readings))
    assert at["Backing up users: 1,000 / 3,000 documents"].fraction == pytest.approx(1100 / 10_000)
    assert at["Backing up orders: 3,450 / 6,900 documents"].fraction == pytest.approx(6550 / 10_000)
    assert (
        at["Backing up orders: 3,450 / 6,900 documents"].done,
        at["Backing up orders: 3,450 / 6,900 documents"].total,
    ) == (3450, 6900)


def test_a_table_passed_between_polls_still_counts_by_convexs_small_to_large_order():
    tracker = ExportProgress({"tags": 100, "users": 3000, "orders": 6900})
    assert tracker.read("Backing up orders: 690 / 6,900 documents").fraction == pytest.approx(3790 / 10_000)


def test_without_table_sizes_only_the_tables_fraction_and_no_overall():
    tracker = ExportProgress(None)
    readings = [tracker.read(m) for m in CONVEX_MESSAGES]
    assert not any(r.overall for r in readings)
    assert tracker.read("Backing up orders: 3,450 / 6,900 documents").fraction == 0.5


def test_estimator_and_poll_interval(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr("tui.services.progress.time.monotonic", lambda: clock[0])
    estimator = Estimator(started=100.0)
    assert estimator.eta(None) is None and estimator.eta(0.1) is None
    clock[0] += 10
    assert estimator.elapsed == 10 and estimator.eta(0.2) == pytest.approx(80.0)
    assert estimator.eta(1.0) == 0.0
    interval = PollInterval(fast=0.25, slow=2.0)
    assert [interval.unchanged() for _ in range(5)] == [0.5, 1.0, 2.0, 2.0, 2.0]
    assert interval.changed() == 0.25
