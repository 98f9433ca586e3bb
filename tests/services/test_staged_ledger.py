"""The ledger of staged imports (tui/services/restore/staged_ledger.py) is written as this app's other JSON
files are (tui/services/json_file.py): whole, readable by its owner only, with no temporary file left beside
it, and read back as it was written."""

from __future__ import annotations

import stat

from tui.services.restore.staged_ledger import FILE_NAME, StagedLedger


def test_the_ledger_is_written_whole_private_and_read_back(tmp_path):
    ledger = StagedLedger(tmp_path)
    entry = ledger.add(
        target_kind="cloud", deployment="brave-marmot-193", kind="cloudRestore", backup_id="7", before=("a", "b")
    )
    ledger.set_import(entry.key, "imp1")

    assert stat.S_IMODE(ledger.path.stat().st_mode) == 0o600
    (read,) = StagedLedger(tmp_path).entries()
    assert read == StagedLedger(tmp_path).find("imp1")
    assert (read.key, read.import_id, read.before, read.backup_id) == (entry.key, "imp1", ("a", "b"), "7")
    assert sorted(p.name for p in tmp_path.iterdir()) == [FILE_NAME, f"{FILE_NAME}.lock"]

    ledger.remove_import("imp1")
    assert StagedLedger(tmp_path).entries() == []
