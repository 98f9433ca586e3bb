"""Typed models from wire JSON: tolerant of unknown and missing fields, Int64 decoded from `$integer`,
import progress computed from checkpoints."""

from __future__ import annotations

import base64
import struct

import pytest

from tui.api.errors import ProtocolError
from tui.api.models import (
    CloudBackup,
    Deployment,
    DeploymentInfo,
    Entitlements,
    EnvironmentVariables,
    Export,
    InstanceAuth,
    SnapshotImport,
    Team,
    as_int,
)


def integer(n: int) -> dict:
    return {"$integer": base64.b64encode(struct.pack("<q", n)).decode()}


def test_int64_and_other_number_forms():
    assert as_int(integer(1712345678901234567)) == 1712345678901234567
    assert as_int({"$integer": "ewAAAAAAAAA="}) == 123
    assert as_int("42") == 42 and as_int(42.0) == 42 and as_int(True) is None and as_int(4.5) is None
    assert as_int({"$integer": "bad"}, -1) == -1 and as_int(None, 7) == 7


def test_export_row_from_the_query_api():
    row = {
        "_id": "kh7abc",
        "_creationTime": 1712345678901.25,
        "state": "completed",
        "format": {"format": "zip", "include_storage": True},
        "component": None,
        "requestor": "cloudBackup",
        "start_ts": integer(1712345678901234567),
        "complete_ts": integer(1712345679000000000),
        "expiration_ts": integer(1713555278901234567),
        "zip_object_key": "opaque",
        "size": integer(4096),
        "future_field": {"x": 1},
    }
    export = Export.from_json(row)
    assert export.include_storage and export.requestor == "cloudBackup" and export.size == 4096
    assert export.snapshot_ts == 1712345678901234567 and export.is_terminal
    running = Export.from_json({"_id": "x", "state": "in_progress", "progress_message": "Backing up users"})
    assert running.snapshot_ts is None and not running.is_terminal and running.progress_message == "Backing up users"


def test_snapshot_import_states_and_fraction():
    checkpoints = [
        {
            "component_path": None,
            "display_table_name": "users",
            "tablet_id": None,
            "total_num_rows_to_write": integer(100),
            "num_rows_written": integer(100),
            "existing_rows_in_table": integer(5),
            "existing_rows_to_delete": integer(5),
            "is_missing_id_field": False,
        },
        {"display_table_name": "messages", "total_num_rows_to_write": integer(300), "num_rows_written": integer(50)},
        {"display_table_name": "_storage", "total_num_rows_to_write": integer(0), "num_rows_written": integer(0)},
    ]
    running = SnapshotImport.from_json(
        {
            "_id": "imp1",
            "_creationTime": 1.5,
            "state": {
                "state": "in_progress",
                "progress_message": "Importing",
                "checkpoint_messages": ['Imported "users"'],
            },
            "format": {"format": "zip"},
            "mode": "ReplaceAll",
            "component_path": None,
            "member_id": integer(3),
            "checkpoints": checkpoints,
            "requestor": {"type": "cloudRestore", "sourceCloudBackupId": integer(31)},
        }
    )
    assert running.fraction == pytest.approx(150 / 400)
    assert running.is_cloud_restore and running.source_cloud_backup_id == 31 and running.member_id == 3
    assert running.checkpoints[0].fraction == 1.0 and running.checkpoints[2].fraction is None
    assert running.checkpoint_messages == ('Imported "users"',)
    waiting = SnapshotImport.from_json(
        {
            "_id": "imp2",
            "state": {
                "state": "waiting_for_confirmation",
                "message_to_confirm": "summary",
                "require_manual_confirmation": True,
            },
            "format": {"format": "csv", "table": "users"},
            "checkpoints": None,
        }
    )
    assert waiting.fraction is None and waiting.table == "users" and waiting.require_manual_confirmation
    done = SnapshotImport.from_json(
        {"_id": "imp3", "state": {"state": "completed", "timestamp": integer(9), "num_rows_written": integer(400)}}
    )
    assert done.fraction == 1.0 and done.timestamp_ns == 9 and done.is_terminal
    failed = SnapshotImport.from_json({"_id": "imp4", "state": {"state": "failed", "error_message": "Import canceled"}})
    assert failed.error_message == "Import canceled" and failed.fraction is None


def test_platform_models_are_tolerant():
    team = Team.from_json({"id": 1, "name": "A", "slug": "a", "managedBy": "vercel"})
    assert team.managed_by == "vercel" and not team.suspended
    assert Entitlements.from_json({}).max_cloud_backups == 2  # the dashboard's fallback
    backup = CloudBackup.from_json(
        {
            "id": 5,
            "sourceDeploymentId": 2,
            "sourceDeploymentName": "x-y-1",
            "state": "failed",
            "requestedTime": 10,
            "expirationTime": None,
        }
    )
    assert backup.is_terminal and not backup.counts_toward_limit and backup.expiration_time_ms is None
    legacy = Deployment.from_json({"id": 3, "name": "x-y-1", "deploymentType": "dev"})
    assert legacy.kind == "cloud" and legacy.url is None
    assert DeploymentInfo.from_json({"kind": "cloud", "teamId": 1, "projectId": 2, "id": 3}).deployment_id == 3
    auth = InstanceAuth.from_json({"kind": "Local", "adminKey": "k|secret-bytes", "instanceUrl": "http://h:1/"})
    assert auth.instance_url == "http://h:1" and "secret-bytes" not in repr(auth)
    with pytest.raises(ProtocolError):
        Team.from_json(["not", "an", "object"])


def test_environment_variables_hide_values():
    env = EnvironmentVariables({"B": "two-secret", "A": "one-secret"})
    assert list(env) == ["A", "B"] and env["B"] == "two-secret" and len(env) == 2
    assert "secret" not in repr(env) + str(env) + repr([env])
