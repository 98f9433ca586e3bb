"""The headless restore prints, before it confirms anything, per table what it does to the documents since
the backup (from the rescue step's diff); with --no-rescue, that no such comparison was made. Against the
sandbox, through the real command line."""

from __future__ import annotations

import json

from cloud_world import PRO_DEV


def _backup(cli) -> str:
    taken = cli("backup", "--deployment", PRO_DEV, "--wait", "--json")
    assert taken.returncode == 0, taken.stderr
    return json.loads(taken.stdout)["id"]


def _row(lines: list[str], table: str) -> tuple[int, ...]:
    found = [line.split() for line in lines if line.split()[:1] == [table]]
    assert len(found) == 1, lines
    return tuple(int(n.replace(",", "")) for n in found[0][1:])


def test_the_printed_summary_says_what_the_restore_does_to_the_documents(cli, world):
    world.add(PRO_DEV, "tickets", [{"n": i} for i in range(12)])
    world.add(PRO_DEV, "notes", [{"text": f"note {i}"} for i in range(5)])
    backup_id = _backup(cli)
    tickets = world.documents(PRO_DEV, "tickets")
    world.call(
        PRO_DEV,
        "mutation",
        "_system/frontend/patchDocumentsFields",  # 3 edited after the backup
        {"table": "tickets", "ids": [t["_id"] for t in tickets[:3]], "fields": {"n": -1}},
    )
    world.call(
        PRO_DEV,
        "mutation",
        "_system/frontend/deleteDocuments",  # 4 deleted
        {"toDelete": [{"id": t["_id"], "tableName": "tickets"} for t in tickets[3:7]]},
    )
    world.add(PRO_DEV, "notes", [{"text": "written today"} for _ in range(2)])  # 2 created

    restored = cli("restore", backup_id, "--deployment", PRO_DEV, "--yes", "--confirm", PRO_DEV, "--safety", "none")
    assert restored.returncode == 0, restored.stderr
    lines = restored.stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Documents since the backup, vs. a snapshot of"))
    summary = next(i for i, line in enumerate(lines) if line.startswith(f"Restore backup {backup_id}"))
    assert start < summary  # printed with the row totals, before the restore is confirmed and followed
    table = lines[start:summary]
    assert "→ reverted" in table[2] and "→ removed" in table[2] and "→ re-created" in table[2]
    assert _row(table, "tickets") == (3, 0, 4, 5)  # changed, created, deleted, unchanged
    assert _row(table, "notes") == (0, 2, 0, 5)
    assert world.documents(PRO_DEV, "tickets") == tickets


def test_without_the_rescue_step_it_says_no_comparison_was_made(cli, world):
    backup_id = _backup(cli)
    restored = cli(
        "restore", backup_id, "--deployment", PRO_DEV, "--yes", "--confirm", PRO_DEV, "--safety", "none", "--no-rescue"
    )
    assert restored.returncode == 0, restored.stderr
    assert f"Documents: not compared with {PRO_DEV} as it is now (--no-rescue)" in restored.stderr
    assert "Documents since the backup" not in restored.stderr
    assert f"Restore backup {backup_id}" in restored.stderr  # the row totals, as before
