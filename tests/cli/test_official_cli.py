"""The official `convex` CLI (npm, v1.48.0) against the emulated deployment: export, import, env."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from official_cli import OfficialCli
from tui.emulator.demo.data import write_demo_zip

pytestmark = pytest.mark.cli


def documents_by_table(path: Path) -> dict[str, list[bytes]]:
    """Every table's documents.jsonl lines, sorted, keyed by member name (README and _storage blobs aside)."""
    with zipfile.ZipFile(path) as archive:
        return {
            name: sorted(archive.read(name).splitlines())
            for name in archive.namelist()
            if name.endswith("/documents.jsonl")
        }


@pytest.fixture
def cli(sandbox, tmp_path) -> OfficialCli:
    return OfficialCli.create(tmp_path, sandbox.url, sandbox.admin_key)


def test_import_export_round_trip_is_identical(cli, sandbox, tmp_path):
    seed = tmp_path / "seed.zip"
    counts = write_demo_zip(seed, users_count=150, channels_count=12, messages_count=1500)
    out = cli.ok("import", "--replace-all", "--yes", str(seed))
    assert f"{sum(counts.values())}" in out.replace(",", "")

    first = tmp_path / "X.zip"
    out = cli.ok("export", "--path", str(first))
    assert "Downloaded snapshot export" in out
    exported = documents_by_table(first)
    assert exported == documents_by_table(seed), "the export must hold exactly the imported documents"

    # Damage the data, then restore it from the export with the CLI and export again.
    damage = tmp_path / "damage.zip"
    write_demo_zip(damage, users_count=3, channels_count=1, messages_count=5)
    cli.ok("import", "--replace-all", "--yes", str(damage))
    cli.ok("import", "--replace-all", "--yes", str(first))
    second = tmp_path / "X2.zip"
    cli.ok("export", "--path", str(second))
    assert documents_by_table(second) == exported


def test_export_with_file_storage(cli, sandbox, tmp_path):
    with sandbox.client() as client:
        stored = {}
        for index, (content, kind) in enumerate(
            [(b"\x89PNG fake image", "image/png"), (b'{"a": 1}', "application/json")]
        ):
            reply = client.post("/api/storage/upload", content=content, headers={"Content-Type": kind})
            assert reply.status_code == 200, reply.text
            stored[reply.json()["storageId"]] = content
    target = tmp_path / "Y.zip"
    cli.ok("export", "--include-file-storage", "--path", str(target))
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        assert "_storage/documents.jsonl" in names
        for storage_id, content in stored.items():
            member = next(n for n in names if n.startswith(f"_storage/{storage_id}"))
            assert archive.read(member) == content


def test_export_into_a_directory_uses_the_servers_file_name(cli, sandbox, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    cli.ok("export", "--path", str(folder))
    (zip_file,) = folder.iterdir()
    assert zip_file.name.startswith(f"snapshot_{sandbox.name}_") and zip_file.name.endswith(".zip")


def test_env_set_list_get_remove(cli):
    cli.ok("env", "set", "API_URL", "https://example.com/a?b=c")
    cli.ok("env", "set", "FEATURE_FLAG", "on")
    listing = cli.ok("env", "list", "--include-values")
    assert "API_URL=" in listing and "FEATURE_FLAG=on" in listing
    assert "on" in cli.ok("env", "get", "FEATURE_FLAG")
    cli.ok("env", "remove", "FEATURE_FLAG")
    assert "FEATURE_FLAG" not in cli.ok("env", "list", "--include-values")
    assert "not found" in cli.ok("env", "get", "FEATURE_FLAG")


def test_env_set_rejects_an_invalid_name(cli):
    result = cli.run("env", "set", "1BAD-NAME", "x")
    assert result.returncode != 0
    assert "EnvironmentVariableNameInvalid" in result.stdout + result.stderr


def test_wrong_admin_key_fails_clearly(sandbox, tmp_path):
    cli = OfficialCli.create(tmp_path, sandbox.url, f"{sandbox.name}|{'0' * 64}")
    result = cli.run("export", "--path", str(tmp_path / "nope.zip"))
    assert result.returncode == 1
    assert "BadAdminKey" in result.stdout + result.stderr
