"""Fixtures that build snapshot ZIPs, good and bad, directly with zipfile."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

SNAPSHOT_NAME = "snapshot_happy-otter-123_1712345678901234567.zip"
Entry = tuple  # (name, data) or (name, data, compress_type)


@pytest.fixture
def make_zip(tmp_path: Path) -> Callable[..., Path]:
    """make_zip([(name, bytes[, compress_type]), ...], name=...) -> path of a ZIP holding exactly those entries."""

    def build(entries: list[Entry], name: str = SNAPSHOT_NAME) -> Path:
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as archive:
            for entry in entries:
                member, data = entry[0], entry[1]
                method = entry[2] if len(entry) > 2 else zipfile.ZIP_DEFLATED
                info = zipfile.ZipInfo(member, date_time=(2024, 4, 5, 12, 0, 0))
                info.compress_type = method
                archive.writestr(info, data)
        return path

    return build
