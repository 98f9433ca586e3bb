"""`schedule daily|weekly ...` changes only what it is asked to change: without `--include-storage` file
storage stays as the current schedule has it, and without `--retention-days` so does retention."""

from __future__ import annotations

import json

from cloud_world import PRO_PROD
from headless_support import clean_environ, run_cli


def _config(world) -> dict:
    return world.platform(
        "GET", f"/api/dashboard/deployments/{world.deployment_id(PRO_PROD)}/get_periodic_backup_config"
    )


def test_a_new_time_keeps_file_storage_and_retention(world, tmp_path):
    environ = clean_environ(**world.environ(tmp_path))

    def cli(*args: str):
        result = run_cli(tmp_path, environ, "schedule", *args, "--utc", "--deployment", PRO_PROD, "--json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)["schedule"]

    cli("weekly", "sun", "23:05", "--include-storage", "--retention-days", "30")
    assert _config(world)["includeStorage"] is True

    moved = cli("weekly", "mon", "02:00")  # only the time is asked
    config = _config(world)
    assert config["cronspec"] == "0 2 * * 1"
    assert config["includeStorage"] is True and moved["include_storage"] is True
    assert config["expirationDeltaSecs"] == 30 * 86400

    daily = cli("daily", "04:15", "--no-include-storage")  # storage off, asked for; retention still kept
    config = _config(world)
    assert config["cronspec"] == "15 4 * * *" and config["includeStorage"] is False
    assert daily["include_storage"] is False and config["expirationDeltaSecs"] == 30 * 86400
    assert run_cli(tmp_path, environ, "schedule", "off", "--deployment", PRO_PROD).returncode == 0
