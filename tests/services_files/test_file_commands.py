"""`verify`, `inspect`, `import` and `download` as an operator runs them (in-process, through a parser built
here), with their exit codes: 0 ok, 1 failed, 3 refused for safety, 5 not found."""

from __future__ import annotations

import argparse
import json

import pytest
from zip_samples import NAME, damage_member, sample_zip

from tui.commands import download_cmd, import_cmd, inspect_cmd, verify_cmd
from tui.services.config.settings import Homes
from tui.services.self_hosted.local_store import LocalStore

MODULES = (verify_cmd, inspect_cmd, import_cmd, download_cmd)


def cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="convex-backups")
    sub = parser.add_subparsers(dest="command")
    for module in MODULES:
        module.add_parser(sub)
    args = parser.parse_args(list(argv))
    return next(m for m in MODULES if m.NAME == args.command).run(args)


@pytest.fixture
def good(tmp_path):
    path = tmp_path / NAME
    path.write_bytes(sample_zip(files=2, file_size=30_000, documents=40))
    return path


@pytest.fixture
def self_hosted_env(deployment, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CONVEX_BACKUPS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CONVEX_SELF_HOSTED_URL", deployment.url)
    monkeypatch.setenv("CONVEX_SELF_HOSTED_ADMIN_KEY", deployment.key)
    for name in ("CONVEX_DEPLOY_KEY", "CONVEX_DEPLOYMENT", "CONVEX_BACKUPS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    return deployment


def test_verify(good, tmp_path, capsys):
    assert cli("verify", str(good)) == 0
    assert "OK (full)" in capsys.readouterr().out
    assert cli("verify", "--quick", "--json", str(good)) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["level"] == "quick" and report["storage_files"] == 2
    bad = tmp_path / "bad.zip"
    bad.write_bytes(damage_member(good.read_bytes(), "messages/"))
    assert cli("verify", str(bad)) == 1
    assert "NOT OK" in capsys.readouterr().out
    assert cli("verify", str(tmp_path / "missing.zip")) == 5


def test_verify_compares_the_sidecar(good, capsys):
    good.with_name(good.name + ".sha256").write_text(f"{'0' * 64}  {good.name}\n")
    assert cli("verify", "--json", str(good)) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["sidecar"] == "mismatch" and report["error"]["code"] == "Sha256SidecarMismatch"
    assert cli("verify", "--no-sidecar", str(good)) == 0


def test_inspect(good, tmp_path, capsys):
    assert cli("inspect", str(good)) == 0
    text = capsys.readouterr().out
    assert "test-deployment-1" in text and "messages" in text and "2 (" in text
    assert cli("inspect", "--json", "--samples", "1", str(good)) == 0
    body = json.loads(capsys.readouterr().out)
    assert {t["name"]: t["documents"] for t in body["tables"]}["messages"] == 40
    assert all(len(t["samples"]) == 1 for t in body["tables"])
    not_zip = tmp_path / "notes.zip"
    not_zip.write_text("hello")
    assert cli("inspect", str(not_zip)) == 1
    assert cli("inspect", str(tmp_path / "missing.zip")) == 5


def test_import_is_refused_without_yes_and_the_exact_name(good, self_hosted_env, capsys):
    assert cli("import", str(good)) == 3
    assert cli("import", str(good), "--yes") == 3
    assert cli("import", str(good), "--confirm", self_hosted_env.name) == 3
    assert cli("import", str(good), "--yes", "--confirm", "someone-else") == 3
    assert "exact name" in capsys.readouterr().err
    assert cli("import", str(good.with_name("missing.zip")), "--yes", "--confirm", "x") == 5


def test_import_then_download_the_safety_backup(good, self_hosted_env, tmp_path, capsys):
    name = self_hosted_env.name
    assert cli("import", str(good), "--yes", "--confirm", name, "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["result"]["state"] == "completed" and out["result"]["rows_written"] == 20 + 5 + 40
    safety = out["safety_backup"]
    store = LocalStore(Homes.from_environ().store_dir)
    key = LocalStore.key_for(name, self_hosted_env.url)
    assert [b.id for b in store.list(key)] == [safety]
    assert cli("download", safety, "--to", str(tmp_path / "dl"), "--json") == 0
    saved = json.loads(capsys.readouterr().out)
    assert saved["path"].endswith(".zip") and (tmp_path / "dl").is_dir()
    assert cli("verify", saved["path"]) == 0
    assert cli("download", "20200101T000000Z-0000", "--to", str(tmp_path / "dl")) == 5  # well formed, absent
    bad = tmp_path / "bad.zip"
    bad.write_bytes(damage_member(good.read_bytes(), "users/"))
    capsys.readouterr()
    assert cli("import", str(bad), "--yes", "--confirm", name, "--no-safety-backup") == 1
    assert "damaged" in capsys.readouterr().err
