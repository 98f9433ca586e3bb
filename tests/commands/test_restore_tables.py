"""`convex-backups restore ID --tables a,b` end to end against the sandbox: only the chosen tables come back
to the backup's contents, every other table stays exactly as it was (document by document), and a name the
backup lacks is refused before anything is spent or staged."""

from __future__ import annotations

import json

import pytest
from cloud_world import PRO_DEV, PRO_PROD
from headless_support import clean_environ, run_cli

TABLES = {"orders": 30, "users": 20, "messages": 25, "logs": 10}


@pytest.fixture(scope="module")
def backup_id(cli, world):
    for table, count in TABLES.items():
        world.add(PRO_PROD, table, [{"table": table, "n": i} for i in range(count)])
    made = cli("backup", "--deployment", PRO_PROD, "--wait", "--json")
    assert made.returncode == 0, made.stderr
    return json.loads(made.stdout)["id"]


def test_restore_two_tables_only_leaves_every_other_table_as_it_was(cli, world, backup_id):
    at_backup = {table: world.documents(PRO_PROD, table) for table in TABLES}
    # After the backup: a bad script writes into every table, and one legitimate table gets new rows.
    for table in TABLES:
        world.add(PRO_PROD, table, [{"table": table, "junk": True, "n": i} for i in range(7)])
    world.add(PRO_PROD, "invoices", [{"invoice": i} for i in range(5)])  # a table the backup never had
    before = {table: world.documents(PRO_PROD, table) for table in [*TABLES, "invoices"]}
    backups_before = len(world.backups(PRO_PROD))

    result = cli(
        "restore",
        backup_id,
        "--tables",
        "orders,users",
        "--deployment",
        PRO_PROD,
        "--confirm",
        PRO_PROD,
        "--yes",
        "--json",
    )

    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["result"]["state"] == "completed" and out["safety_backup"]
    assert out["plan"]["only_tables"] == ["orders", "users"]
    assert sorted(change["table"] for change in out["plan"]["changes"]) == ["orders", "users"]
    assert "Only orders, users will be replaced" in result.stderr and "logs, messages" in result.stderr
    assert len(world.backups(PRO_PROD)) == backups_before + 1  # the fresh safety backup came first
    # the chosen tables are the backup's again, ids and creation times included
    assert world.documents(PRO_PROD, "orders") == at_backup["orders"]
    assert world.documents(PRO_PROD, "users") == at_backup["users"]
    # every other table is exactly as it was before the restore, document by document
    for table in ("messages", "logs", "invoices"):
        assert world.documents(PRO_PROD, table) == before[table], table
    assert world.tables(PRO_PROD) == sorted([*TABLES, "invoices"])


def test_an_unknown_table_is_refused_listing_the_backups_tables(cli, world, backup_id):
    imports_before = len(world.imports(PRO_PROD))
    backups_before = len(world.backups(PRO_PROD))
    orders_before = world.documents(PRO_PROD, "orders")

    result = cli(
        "restore", backup_id, "--tables", "orders,customers", "--deployment", PRO_PROD, "--confirm", PRO_PROD, "--yes"
    )

    assert result.returncode == 3, result.stderr
    assert "no table customers" in result.stderr
    assert "its tables are: logs, messages, orders, users" in result.stderr
    assert "Nothing was changed" in result.stderr
    assert len(world.imports(PRO_PROD)) == imports_before  # nothing was staged
    assert len(world.backups(PRO_PROD)) == backups_before  # no safety backup was spent on it
    assert world.documents(PRO_PROD, "orders") == orders_before


def test_self_hosted_restores_two_tables_only_and_lists_their_counts(world, tmp_path):
    """The same on a self-hosted target: its backups lie in this app's store, so their counts are read
    there (nothing downloaded) and the tables-only restore imports from the stored ZIP."""
    home = tmp_path / "home"
    environ = clean_environ(
        CONVEX_BACKUPS_HOME=str(home),
        HOME=str(home),
        CONVEX_SELF_HOSTED_URL=world.sandbox.deployments[PRO_DEV],
        CONVEX_SELF_HOSTED_ADMIN_KEY=world.sandbox.credentials(PRO_DEV)["CONVEX_SELF_HOSTED_ADMIN_KEY"],
    )
    for table, count in TABLES.items():
        world.add(PRO_DEV, table, [{"table": table, "n": i} for i in range(count)])
    made = run_cli(home, environ, "backup", "--wait", "--json")
    assert made.returncode == 0, made.stderr
    backup = json.loads(made.stdout)
    name = backup["deployment"]
    at_backup = {table: world.documents(PRO_DEV, table) for table in TABLES}
    for table in TABLES:
        world.add(PRO_DEV, table, [{"junk": True}])
    before = {table: world.documents(PRO_DEV, table) for table in TABLES}

    listed = json.loads(run_cli(home, environ, "list", "--json").stdout)
    (entry,) = [b for d in listed["deployments"] for b in d["backups"] if b["id"] == backup["id"]]
    assert entry["tables"] == TABLES and entry["flag"] is None

    result = run_cli(
        home,
        environ,
        "restore",
        backup["id"],
        "--tables",
        "logs,messages",
        "--confirm",
        name,
        "--yes",
        "--safety",
        "none",
        "--json",
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["plan"]["only_tables"] == ["logs", "messages"]
    for table in ("logs", "messages"):
        assert world.documents(PRO_DEV, table) == at_backup[table], table
    for table in ("orders", "users"):
        assert world.documents(PRO_DEV, table) == before[table], table
