"""`convex-backups diff`: a backup against the deployment now, after changes made through the deployment's
own API, with exact counts and field types; against another backup; and two ZIP files on disk."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from cloud_world import PRO_DEV
from headless_support import clean_environ, run_cli

sys.path.insert(0, str(Path(__file__).parent.parent / "archive"))
from test_snapshot_diff import doc, sid, write  # noqa: E402


def _counts(report: dict) -> dict[str, tuple[int, int, int, int]]:
    return {t["table"]: (t["unchanged"], t["changed"], t["created"], t["deleted"]) for t in report["tables"]}


def test_backup_against_now_and_against_another_backup(cli, world):
    world.add(PRO_DEV, "orders", [{"n": i, "item": f"item {i}"} for i in range(30)])
    world.add(PRO_DEV, "users", [{"name": f"user {i}"} for i in range(10)])
    taken = cli("backup", "--deployment", PRO_DEV, "--wait", "--json")
    assert taken.returncode == 0, taken.stderr
    backup_id = json.loads(taken.stdout)["id"]

    orders = world.documents(PRO_DEV, "orders")
    users = world.documents(PRO_DEV, "users")
    for order in orders[:5]:  # Int64 n -> Float64 n + 0.5
        world.call(
            PRO_DEV,
            "mutation",
            "_system/frontend/patchDocumentsFields",
            {"table": "orders", "ids": [order["_id"]], "fields": {"n": order["n"] + 0.5}},
        )
    world.call(
        PRO_DEV,
        "mutation",
        "_system/frontend/deleteDocuments",
        {"toDelete": [{"id": u["_id"], "tableName": "users"} for u in users[:4]]},
    )
    world.add(PRO_DEV, "orders", [{"n": 100 + i} for i in range(2)])
    world.add(PRO_DEV, "audit", [{"event": i} for i in range(3)])

    result = cli("diff", backup_id, "--deployment", PRO_DEV, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert _counts(report) == {"audit": (0, 0, 3, 0), "orders": (25, 5, 2, 0), "users": (6, 0, 0, 4)}
    orders_report = next(t for t in report["tables"] if t["table"] == "orders")
    changed = [d for d in orders_report["documents"] if d["status"] == "changed"]
    assert sorted(d["id"] for d in changed) == sorted(o["_id"] for o in orders[:5])
    by_id = {o["_id"]: o for o in orders}
    for document in changed:
        (field,) = document["fields"]
        n = by_id[document["id"]]["n"]
        assert field == {
            "field": "n",
            "kind": "changed",
            "old": n,
            "new": n + 0.5,
            "old_type": "Int64",
            "new_type": "Float64",
        }
    users_report = next(t for t in report["tables"] if t["table"] == "users")
    deleted = [d["old"]["_id"] for d in users_report["documents"] if d["status"] == "deleted"]
    assert sorted(deleted) == sorted(u["_id"] for u in users[:4])

    text = cli("diff", backup_id, "--deployment", PRO_DEV, "--table", "users")
    assert text.returncode == 0, text.stderr
    assert f"From backup {backup_id} to {PRO_DEV} now:" in text.stdout
    assert "audit" not in text.stdout and text.stdout.count("deleted  ") == 4

    second = cli("backup", "--deployment", PRO_DEV, "--wait", "--json")
    assert second.returncode == 0, second.stderr
    against = cli("diff", backup_id, "--against", json.loads(second.stdout)["id"], "--deployment", PRO_DEV, "--json")
    assert against.returncode == 0, against.stderr
    assert _counts(json.loads(against.stdout)) == _counts(report)

    missing = cli("diff", backup_id, "--deployment", PRO_DEV, "--table", "nope")
    assert missing.returncode == 5 and "no table nope" in missing.stderr


def test_two_files_on_disk(tmp_path):
    old = write(tmp_path / "old.zip", {"t": [doc(1, v=1), doc(2, v=2), doc(3, v=3)]}, {sid(540, 1): b"a"})
    new = write(tmp_path / "new.zip", {"t": [doc(1, v=1), doc(2, v=2.0), doc(4, v=4)]}, {sid(540, 1): b"b"})
    home = tmp_path / "home"
    result = run_cli(home, clean_environ(CONVEX_BACKUPS_HOME=str(home)), "diff", str(old), str(new), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["old"], report["new"]) == (str(old), str(new))
    assert _counts(report) == {"t": (1, 1, 1, 1), "_storage": (0, 1, 0, 0)}
    documents = {d["id"]: d for d in report["tables"][0]["documents"]}
    assert documents[sid(10001, 2)]["fields"][0]["old_type"] == "Int64"
    assert documents[sid(10001, 2)]["fields"][0]["new_type"] == "Float64"
    assert documents[sid(10001, 3)]["old"]["v"] == 3 and documents[sid(10001, 4)]["new"]["v"] == 4
    absent = run_cli(home, clean_environ(CONVEX_BACKUPS_HOME=str(home)), "diff", str(old), str(tmp_path / "x.zip"))
    assert absent.returncode == 5 and "no such file" in absent.stderr
    one_file = run_cli(home, clean_environ(CONVEX_BACKUPS_HOME=str(home)), "diff", str(old))
    assert one_file.returncode == 2 and "two ZIP files" in one_file.stderr
    not_an_id = run_cli(home, clean_environ(CONVEX_BACKUPS_HOME=str(home)), "diff", "abc$")
    assert not_an_id.returncode == 2 and "not a backup id" in not_an_id.stderr


@pytest.fixture(scope="module")
def plain_sandbox(tmp_path_factory):
    from sandbox_process import SandboxProcess

    process = SandboxProcess(tmp_path_factory.mktemp("diff-self-hosted") / "sandbox").start()
    yield process
    process.stop()


def _mutate(sandbox, path: str, args: dict) -> None:
    from tui.values.encoding import encode_json_value

    with sandbox.client() as http:
        reply = http.post(
            "/api/mutation", json={"path": path, "args": encode_json_value(args), "format": "convex_encoded_json"}
        )
    assert reply.status_code == 200 and reply.json()["status"] == "success", reply.text


def test_self_hosted_latest_backup_against_now(plain_sandbox, tmp_path):
    """Self-hosted: the backup is the store's own ZIP, `latest` names it, now is a fresh export."""
    home = tmp_path / "home"
    environ = clean_environ(
        CONVEX_BACKUPS_HOME=str(home),
        HOME=str(home),
        CONVEX_SELF_HOSTED_URL=plain_sandbox.url,
        CONVEX_SELF_HOSTED_ADMIN_KEY=plain_sandbox.admin_key,
    )
    _mutate(
        plain_sandbox, "_system/frontend/addDocument", {"table": "notes", "documents": [{"n": i} for i in range(12)]}
    )
    taken = run_cli(home, environ, "backup", "--wait", "--json")
    assert taken.returncode == 0, taken.stderr
    with plain_sandbox.client() as http:
        from tui.values.encoding import decode_encoded_value

        reply = http.post(
            "/api/query",
            json={
                "path": "_system/frontend/paginatedTableDocuments",
                "args": {
                    "table": "notes",
                    "paginationOpts": {"numItems": 100.0, "cursor": None},
                    "filters": None,
                    "componentId": None,
                },
                "format": "convex_encoded_json",
            },
        )
        notes = sorted(decode_encoded_value(reply.json()["value"])["page"], key=lambda d: d["_id"])
    _mutate(
        plain_sandbox,
        "_system/frontend/patchDocumentsFields",
        {"table": "notes", "ids": [notes[0]["_id"]], "fields": {"n": "zero"}},
    )
    _mutate(
        plain_sandbox, "_system/frontend/deleteDocuments", {"toDelete": [{"id": notes[1]["_id"], "tableName": "notes"}]}
    )
    result = run_cli(home, environ, "diff", "latest", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert _counts(report) == {"notes": (10, 1, 0, 1)}
    changed = next(d for d in report["tables"][0]["documents"] if d["status"] == "changed")
    assert changed["fields"] == [
        {
            "field": "n",
            "kind": "changed",
            "old": notes[0]["n"],
            "new": "zero",
            "old_type": "Int64",
            "new_type": "String",
        }
    ]
    listed = run_cli(home, environ, "list", "--json")
    assert listed.returncode == 0 and len(json.loads(listed.stdout)["deployments"][0]["backups"]) == 1  # not kept
