"""`list --json` carries each backup's documents per table and flags a backup whose table lost more than
the chosen share of its documents since the backup before ("DROP customers -40%"), so a cron job can alert
on it; the counts are kept in the data folder and a backup is counted (downloaded) only once."""

from __future__ import annotations

import json

import pytest
from cloud_world import PRO_PROD


def _backup(cli) -> str:
    made = cli("backup", "--deployment", PRO_PROD, "--wait", "--json")
    assert made.returncode == 0, made.stderr
    return json.loads(made.stdout)["id"]


@pytest.fixture(scope="module")
def two_backups(cli, world):
    world.add(PRO_PROD, "customers", [{"n": i} for i in range(50)])
    world.add(PRO_PROD, "orders", [{"n": i} for i in range(30)])
    first = _backup(cli)
    doomed = world.documents(PRO_PROD, "customers")[:20]  # a runaway delete: 40% of the customers
    world.call(
        PRO_PROD,
        "mutation",
        "_system/frontend/deleteDocuments",
        {"toDelete": [{"id": d["_id"], "tableName": "customers"} for d in doomed]},
    )
    world.add(PRO_PROD, "orders", [{"n": i} for i in range(30, 35)])  # orders keep coming in
    second = _backup(cli)
    return first, second


def _backups(listed: dict) -> dict[str, dict]:
    (deployment,) = listed["deployments"]
    return {b["id"]: b for b in deployment["backups"]}


def test_list_json_carries_counts_and_the_drop_flag(cli, two_backups, home):
    first, second = two_backups

    result = cli("list", "--json", "--deployment", PRO_PROD)

    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert listed["drop_percent"] == 20
    backups = _backups(listed)
    assert backups[first]["tables"] == {"customers": 50, "orders": 30} and backups[first]["documents"] == 80
    assert backups[second]["tables"] == {"customers": 30, "orders": 35}
    assert backups[first]["flag"] is None and backups[first]["drops"] == []
    assert backups[second]["flag"] == "DROP customers -40%"
    assert backups[second]["drops"] == [{"table": "customers", "before": 50, "after": 30, "share": 0.4}]
    assert result.stderr.count("Counting the documents of backup") == 2  # each downloaded once, said so
    # kept in the data folder: the next listing downloads nothing again
    assert list((home / "data" / "backup-stats").glob("*.json"))
    text = cli("list", "--deployment", PRO_PROD)
    assert text.returncode == 0 and "DROP customers -40%" in text.stdout
    assert "Counting" not in text.stderr
    again = _backups(json.loads(cli("list", "--json", "--no-counts", "--deployment", PRO_PROD).stdout))
    assert again[second]["flag"] == "DROP customers -40%"


def test_the_share_is_configurable(cli, two_backups, home):
    first, second = two_backups
    config = home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[trend]\ndrop_percent = 45\n")
    config.chmod(0o600)
    try:
        backups = _backups(json.loads(cli("list", "--json", "--no-counts", "--deployment", PRO_PROD).stdout))
        assert backups[second]["flag"] is None  # a 40% loss is under a 45% threshold
        config.write_text("[trend]\ndrop_percent = 'lots'\n")
        bad = cli("list", "--json", "--deployment", PRO_PROD)
        assert bad.returncode == 2 and "[trend] drop_percent" in bad.stderr
    finally:
        config.unlink()
