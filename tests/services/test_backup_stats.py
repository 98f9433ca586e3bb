"""The trend over a deployment's backups (tui/services/snapshots/stats.py): which backup is flagged and how the
flag reads, what the cache keeps, and the [trend] settings of config.toml."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tui.services.snapshots.stats import BackupStats, StatsCache, trend
from tui.services.config.settings import Config, trend_settings
from tui.services.errors import ConfigError
from tui.services.records import BackupRecord

T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)


def _record(id: str, hours: int, state: str = "complete") -> BackupRecord:
    when = T0 + timedelta(hours=hours)
    return BackupRecord(id, "happy-otter-123", state, when, when, None, False, 1000, "happy-otter-123", "manual", None)


def _stats(id: str, hours: int, **tables: int) -> BackupStats:
    return BackupStats(id, T0 + timedelta(hours=hours), 1000 + hours, tables, "zip")


def test_a_table_losing_more_than_the_share_is_flagged_against_the_backup_before():
    backups = [_record("4", 4), _record("3", 3), _record("2", 2), _record("1", 1, "failed")]
    known = {
        "2": _stats("2", 2, customers=100, orders=50, logs=10),
        "3": _stats("3", 3, customers=80, orders=30),  # -20% (not more than 20%), -40%, logs gone: -100%
        "4": _stats("4", 4, customers=80, orders=30, invoices=5),  # a new table is no drop
    }
    found = trend(backups, known)
    assert [p.backup_id for p in found.points] == ["2", "3", "4"]  # oldest first, complete ones only
    assert found.flag("3") == "DROP logs -100%, DROP orders -40%"
    assert found.flag("4") == "" and found.flag("2") == ""
    assert found.documents == [160.0, 110.0, 115.0]
    assert trend(backups, known, drop_share=0.5).flag("3") == "DROP logs -100%"


def test_a_backup_whose_counts_are_unknown_is_skipped_not_compared_as_empty():
    backups = [_record("3", 3), _record("2", 2), _record("1", 1)]
    known = {"1": _stats("1", 1, customers=100), "3": _stats("3", 3, customers=90)}
    found = trend(backups, known)
    assert found.drops == {} and [p.backup_id for p in found.points] == ["1", "3"]


def test_the_cache_keeps_counts_per_deployment_and_survives_a_damaged_file(tmp_path):
    cache = StatsCache.for_data_dir(tmp_path)
    cache.put("happy-otter-123", _stats("7", 1, customers=3))
    cache.put("other-deployment-456", _stats("7", 2, orders=9))
    assert StatsCache.for_data_dir(tmp_path).load("happy-otter-123")["7"].tables == {"customers": 3}
    (tmp_path / "backup-stats" / "happy-otter-123.json").write_text("{not json")
    assert cache.load("happy-otter-123") == {}  # learned again, never an error
    assert cache.load("other-deployment-456")["7"].documents == 9


def test_trend_settings_from_config_toml():
    assert trend_settings(None).drop_share == pytest.approx(0.2)
    custom = trend_settings(Config(extra={"trend": {"drop_percent": 35, "count_download_mb": 0}}))
    assert custom.drop_share == pytest.approx(0.35) and custom.count_download_bytes == 0
    for bad in ({"drop_percent": 0}, {"drop_percent": 150}, {"drop_percent": "20"}, {"count_download_mb": -1}):
        with pytest.raises(ConfigError) as caught:
            trend_settings(Config(extra={"trend": bad}))
        assert f"[trend] {next(iter(bad))}" in str(caught.value)
