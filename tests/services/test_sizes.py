"""Sizes are written as the Convex CLI writes them (tui/services/sizes.py), on screens and in headless output.
The expected words are what `formatSize` of convex 1.48.0 (tests/official_cli.py's version) returns for
these byte counts, run under Node."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tui.services.downloads.values import DownloadProgress
from tui.services.sizes import human_rate, human_size
from tui.widgets import formatting as fmt

CLI_WORDS = [
    (0, "0 bytes"),
    (1, "1 bytes"),
    (512, "512 bytes"),
    (1023, "1023 bytes"),
    (1024, "1 KiB"),
    (1280, "1.3 KiB"),  # 1.25 rounds up, as JavaScript's toFixed does (Python's format would say 1.2)
    (901_018, "879.9 KiB"),
    (1_048_575, "1 MiB"),  # 1023.999 KiB rounds to the next unit, not "1024 KiB"
    (1_048_576, "1 MiB"),
    (48_443_392, "46.2 MiB"),
    (2**50 * 2048, "2048 PiB"),  # no unit past PiB
]


@pytest.mark.parametrize("count, words", CLI_WORDS)
def test_sizes_are_the_convex_clis_words(count, words):
    assert human_size(count) == words


def test_screens_and_progress_lines_use_the_one_convention():
    assert fmt.size(901_018) == "879.9 KiB" and fmt.size(None) == "—"
    assert fmt.size_short(901_018) == "880 KiB" and fmt.size_short(48_443_392) == "46.2 MiB"
    assert human_rate(3 * 1024 * 1024) == "3 MiB/s"
    progress = DownloadProgress("downloading", done=901_018, total=2 * 1024 * 1024, rate=1024.0, elapsed=1.0)
    assert "879.9 KiB of 2 MiB at 1 KiB/s" in progress.as_progress().message


def test_relative_ages_are_humanize_words_and_still_just_now_under_45_seconds():
    now = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
    assert fmt.ago(now - timedelta(hours=3, minutes=5), now) == "3 hours ago"
    assert fmt.ago(now + timedelta(days=6, hours=15), now) == "6 days from now"
    assert fmt.ago(now - timedelta(seconds=30), now) == "just now" and fmt.ago(None, now) == "—"
