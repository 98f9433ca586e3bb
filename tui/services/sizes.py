"""Byte counts in words, one convention everywhere (screens, headless output, progress lines): the Convex
CLI's. An operator who sees "879.9 KiB" here sees the same words from `npx convex import` for that file.

This is the Convex CLI's `formatSize` (convex 1.48.0, the version the tests pin in tests/official_cli.py;
src/cli/lib/utils/utils.ts): steps of 1024, units bytes/KiB/MiB/GiB/TiB/PiB, one decimal that is dropped
when it is ".0", rounded half up as JavaScript's `toFixed` rounds, and a value that rounds to 1024 moves to
the next unit ("1 MiB", not "1024.0 KiB"). `humanize.naturalsize(binary=True)` is close but not the same
(it writes "1 Byte" and "512 Bytes", keeps ".0", rounds half to even and stops at "1024.0 KiB"), so the
few lines are here. Convex's own refusals ("Value is too large (20.03 MiB > ...)") keep the server's
wording, two decimals, in `tui.archive.limits`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

UNITS = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB")
_TENTH = Decimal("0.1")


def _one_decimal(value: float) -> Decimal:
    # `toFixed(1)` picks the nearer tenth of the exact binary value, the larger on a tie.
    return Decimal(value).quantize(_TENTH, rounding=ROUND_HALF_UP)


def human_size(count: int | float) -> str:
    """`count` bytes as the Convex CLI writes them: "0 bytes", "512 bytes", "879.9 KiB", "1 MiB"."""
    value, unit = float(count), 0
    while value >= 1024 and unit < len(UNITS) - 1:
        value /= 1024
        unit += 1
    if _one_decimal(value) >= 1024 and unit < len(UNITS) - 1:
        value /= 1024
        unit += 1
    text = str(_one_decimal(value))
    return f"{text.removesuffix('.0')} {UNITS[unit]}"


def human_rate(bytes_per_second: float) -> str:
    """A transfer rate as the Convex CLI's network test writes one: "3.1 MiB/s"."""
    return f"{human_size(bytes_per_second)}/s"
