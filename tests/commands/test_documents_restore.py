"""Restore only what is broken (tui/commands/README.md "Restore only what is broken"), headless against the sandbox: a
deployment broken three ways at once, a documents-level restore of two tables that leaves the third exactly as
it was, verified by a second diff; and a full restore whose rescued documents are put back with their ids."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cloud_world import PRO_DEV


def _counts(report: dict) -> dict[str, tuple[int, int, int, int]]:
    return {t["table"]: (t["unchanged"], t["changed"], t["created"], t["deleted"]) for t in report["tables"]}


def _backup(cli) -> str:
    taken = cli("backup", "--deployment", PRO_DEV, "--wait", "--json")
    assert taken.returncode == 0, taken.stderr
    return json.loads(taken.stdout)["id"]


def _diff(cli, backup_id: str, *more: str) -> dict:
    result = cli("diff", backup_id, "--deployment", PRO_DEV, "--json", *more)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_documents_restore_fixes_two_tables_and_leaves_the_third_as_it_is(cli, world, tmp_path):
    world.add(PRO_DEV, "products", [{"sku": i, "price": 10.0 * i, "name": f"product {i}"} for i in range(80)])
    world.add(PRO_DEV, "customers", [{"name": f"customer {i}", "tier": "pro" if i % 2 else "free"} for i in range(60)])
    world.add(PRO_DEV, "orders", [{"n": i} for i in range(30)])
    backup_id = _backup(cli)
    products, customers = world.documents(PRO_DEV, "products"), world.documents(PRO_DEV, "customers")

    # Broken three ways at once: a field corrupted in 50 products, 20 customers deleted, 15 good new orders.
    for product in products[:50]:
        world.call(
            PRO_DEV,
            "mutation",
            "_system/frontend/patchDocumentsFields",
            {"table": "products", "ids": [product["_id"]], "fields": {"price": "NaN-corrupted"}},
        )
    world.call(
        PRO_DEV,
        "mutation",
        "_system/frontend/deleteDocuments",
        {"toDelete": [{"id": c["_id"], "tableName": "customers"} for c in customers[10:30]]},
    )
    world.add(PRO_DEV, "orders", [{"n": 100 + i, "late": True} for i in range(15)])
    orders_now = world.documents(PRO_DEV, "orders")

    plan_path = tmp_path / "plan.json"
    report = _diff(cli, backup_id, "--plan-out", str(plan_path))
    assert _counts(report) == {"customers": (40, 0, 0, 20), "orders": (30, 0, 15, 0), "products": (30, 50, 0, 0)}
    plan = json.loads(plan_path.read_text())
    assert plan["backup"] == backup_id and plan["deployment"] == PRO_DEV
    assert sorted(plan["tables"]["products"]["revert"]) == sorted(p["_id"] for p in products[:50])
    assert sorted(plan["tables"]["customers"]["recreate"]) == sorted(c["_id"] for c in customers[10:30])
    assert len(plan["tables"]["orders"]["remove"]) == 15
    del plan["tables"]["orders"]  # the new orders are legitimate: keep them
    plan_path.write_text(json.dumps(plan))

    refused = cli(
        "restore",
        backup_id,
        "--deployment",
        PRO_DEV,
        "--documents",
        str(plan_path),
        "--yes",
        "--confirm",
        "someone-else",
    )
    assert refused.returncode == 3, refused.stderr
    assert world.documents(PRO_DEV, "products")[0]["price"] == "NaN-corrupted"

    restored = cli(
        "restore", backup_id, "--deployment", PRO_DEV, "--documents", str(plan_path), "--yes", "--confirm", PRO_DEV
    )
    assert restored.returncode == 0, restored.stderr
    assert "Safety backup:" in restored.stderr
    assert "revert 50 changed" in restored.stderr and "re-create 20 deleted" in restored.stderr
    assert "Writes made to these tables" in restored.stderr  # the race is said before the confirmation
    assert "Checked by a second snapshot: 70 documents as planned" in restored.stdout

    assert world.documents(PRO_DEV, "products") == products  # every field, _id and _creationTime
    assert world.documents(PRO_DEV, "customers") == customers
    assert world.documents(PRO_DEV, "orders") == orders_now  # document by document, exactly as it was

    again = _diff(cli, backup_id)
    assert _counts(again) == {"customers": (60, 0, 0, 0), "orders": (30, 0, 15, 0), "products": (80, 0, 0, 0)}
    orders_report = next(t for t in again["tables"] if t["table"] == "orders")
    assert {d["status"] for d in orders_report["documents"]} == {"created"}


def test_a_bad_plan_is_refused_before_anything_happens(cli, world, tmp_path):
    backup_id = _backup(cli)
    before = world.backups(PRO_DEV)
    bad = tmp_path / "bad.json"
    bad.write_text('{"tables": {"products": {"revert": "some"}}}')
    result = cli("restore", backup_id, "--deployment", PRO_DEV, "--documents", str(bad), "--yes", "--confirm", PRO_DEV)
    assert result.returncode == 2 and "revert must be a list of document ids" in result.stderr
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"backup": "1", "deployment": PRO_DEV, "tables": {}}))
    result = cli(
        "restore", backup_id, "--deployment", PRO_DEV, "--documents", str(other), "--yes", "--confirm", PRO_DEV
    )
    assert result.returncode == 3 and "made for backup 1" in result.stderr
    assert world.backups(PRO_DEV) == before  # not even a safety backup was spent


def test_full_restore_keeps_a_rescue_file_and_reapply_puts_one_table_back(cli, world, tmp_path):
    world.add(PRO_DEV, "invoices", [{"n": i} for i in range(10)])
    backup_id = _backup(cli)
    invoices_at_backup = world.documents(PRO_DEV, "invoices")
    world.add(PRO_DEV, "invoices", [{"n": 50 + i, "today": True} for i in range(6)])
    for invoice in invoices_at_backup[:3]:
        world.call(
            PRO_DEV,
            "mutation",
            "_system/frontend/patchDocumentsFields",
            {"table": "invoices", "ids": [invoice["_id"]], "fields": {"paid": True}},
        )
    world.add(PRO_DEV, "scratch", [{"junk": i} for i in range(4)])
    invoices_today = world.documents(PRO_DEV, "invoices")

    restored = cli("restore", backup_id, "--deployment", PRO_DEV, "--yes", "--confirm", PRO_DEV, "--safety", "none")
    assert restored.returncode == 0, restored.stderr
    found = re.search(r"Rescue file: (\S+\.zip) \((\d+) documents", restored.stderr)
    assert found, restored.stderr
    rescue = Path(found.group(1))
    assert rescue.is_file() and rescue.stat().st_mode & 0o777 == 0o600
    assert world.documents(PRO_DEV, "invoices") == invoices_at_backup
    assert "scratch" not in world.tables(PRO_DEV)

    missing = cli("reapply", str(rescue), "--deployment", PRO_DEV, "--table", "nope", "--yes", "--confirm", PRO_DEV)
    assert missing.returncode == 5 and "has no table nope" in missing.stderr
    products_before = world.documents(PRO_DEV, "products")
    result = cli(
        "reapply",
        str(rescue),
        "--deployment",
        PRO_DEV,
        "--table",
        "invoices",
        "--yes",
        "--confirm",
        PRO_DEV,
        "--safety",
        "none",
    )
    assert result.returncode == 0, result.stderr
    assert world.documents(PRO_DEV, "invoices") == invoices_today  # back with their own ids and creation times
    assert "scratch" not in world.tables(PRO_DEV)  # only the chosen table
    assert world.documents(PRO_DEV, "products") == products_before


def test_reapply_only_chosen_ids(cli, world, tmp_path):
    world.add(PRO_DEV, "notes", [{"n": i} for i in range(3)])
    backup_id = _backup(cli)
    world.add(PRO_DEV, "notes", [{"n": 10 + i} for i in range(4)])
    new_notes = [d for d in world.documents(PRO_DEV, "notes") if d["n"] >= 10]
    restored = cli("restore", backup_id, "--deployment", PRO_DEV, "--yes", "--confirm", PRO_DEV, "--safety", "none")
    assert restored.returncode == 0, restored.stderr
    rescue = re.search(r"Rescue file: (\S+\.zip)", restored.stderr).group(1)
    chosen = tmp_path / "ids.txt"
    chosen.write_text(f"{new_notes[1]['_id']}\n{new_notes[3]['_id']}\n")
    result = cli(
        "reapply",
        rescue,
        "--deployment",
        PRO_DEV,
        "--ids",
        str(chosen),
        "--yes",
        "--confirm",
        PRO_DEV,
        "--safety",
        "none",
        "--json",
        "--pause",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["verified"] is True
    assert f"Pausing {PRO_DEV}" in result.stderr and f"Unpaused {PRO_DEV}" in result.stderr
    assert world.call(PRO_DEV, "query", "_system/frontend/backendState:backendState")["user"] != "paused"
    notes = world.documents(PRO_DEV, "notes")
    assert [d for d in notes if d["n"] >= 10] == [new_notes[1], new_notes[3]]
