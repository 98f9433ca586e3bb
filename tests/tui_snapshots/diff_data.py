"""Two fixed snapshot ZIPs for the diff screen's snapshots and pilot tests: a backup and "now" after a bad
migration (orders' totals turned from Int64 cents into Float64, a status renamed), a runaway delete (users)
and new documents (audit), with one stored file replaced."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "archive"))
from test_snapshot_diff import sid, write  # noqa: E402

BACKUP_NAME = "snapshot_brave-marmot-193_1772445600000000000.zip"
NOW_NAME = "snapshot_brave-marmot-193_1772452800000000000.zip"
T0 = 1772400000000.0


def _doc(table: int, n: int, **fields) -> dict:
    return {"_id": sid(table, n), "_creationTime": T0 + n * 1000, **fields}


def write_pair(folder: Path) -> tuple[Path, Path]:
    orders = [_doc(10002, n, customer=f"customer {n % 7}", total=1000 + n * 25, status="paid") for n in range(1, 41)]
    now_orders = [dict(o) for o in orders]
    for order in now_orders[:12]:  # the bad migration
        order["total"] = order["total"] / 100
        order["status"] = "PAID"
    now_orders.append(_doc(10002, 41, customer="customer 3", total=2250, status="paid"))
    users = [_doc(10001, n, name=f"user {n}", email=f"user{n}@example.com", plan="pro") for n in range(1, 31)]
    products = [_doc(10003, n, name=f"product {n}", price=n * 100) for n in range(1, 9)]
    audit = [_doc(10004, n, event="login", user=sid(10001, n)) for n in range(1, 6)]
    old = write(
        folder / BACKUP_NAME,
        {"orders": orders, "products": products, "users": users},
        {sid(540, 1): b"logo v1", sid(540, 2): b"terms"},
    )
    new = write(
        folder / NOW_NAME,
        {"audit": audit, "orders": now_orders, "products": products, "users": users[8:]},
        {sid(540, 1): b"logo v2", sid(540, 2): b"terms"},
    )
    return old, new
