"""Convex's limit on one document, and the longest line a reader of JSONL holds.

Convex refuses a document whose size (its own size metric, system fields included) is over 1 MiB:
`MAX_USER_SIZE` and `check_user_size` in convex-backend's crates/common/src/document.rs, with the metric
of crates/value/src/size.rs and the text "Value is too large (<size> > maximum size 1 MiB)".

Readers refuse a line past MAX_LINE_BYTES before they hold it in memory (a ZIP of a few MB can inflate
to a line of gigabytes). That is Convex's own bound on any one value (`MAX_SIZE`, 32 MiB, in
crates/value/src/size.rs), far more than the longest JSON a 1 MiB document can be written as (about
6 MiB: every string byte as a six-character `\\u` escape); up to it, a document over 1 MiB is reported
with its size, in Convex's words.
"""

from __future__ import annotations

from typing import Any

MAX_DOCUMENT_SIZE = 1 << 20  # MAX_USER_SIZE
MAX_LINE_BYTES = 32 << 20  # MAX_SIZE
# A document's size is at most 4.5 times its JSON's length (`[0,0,...]`: 9 per number, 2 characters
# each), plus the `_id` and `_creationTime` an import adds; lines up to this long are never measured.
_SYSTEM_FIELDS = 128
UNMEASURED_LINE_BYTES = (MAX_DOCUMENT_SIZE - _SYSTEM_FIELDS) // 5
_ID_SIZE = len("_id") + 1 + 2 + 32  # a fresh id of a user table (32 characters)
_CREATION_TIME_SIZE = len("_creationTime") + 1 + 9
_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def value_size(value: Any) -> int:
    """Convex's size metric (crates/value/src/size.rs): null and booleans 1, numbers 9, strings and
    bytes 2 + their bytes, arrays 2 + their elements, objects 2 + each field's name, 1 and value."""
    kind = type(value)
    if value is None or kind is bool:
        return 1
    if kind is int or kind is float:
        return 9
    if kind is str:
        return 2 + (len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass")))
    if kind is bytes:
        return 2 + len(value)
    if kind is list:
        return 2 + sum(map(value_size, value))
    if kind is dict:
        return 2 + sum(len(name) + 1 + value_size(item) for name, item in value.items())
    raise TypeError(f"{kind.__name__} is not a Convex value")


def document_size(document: dict[str, Any]) -> int:
    """value_size of the document as Convex stores it: with the `_id` and `_creationTime` it gets when
    it has none."""
    size = value_size(document)
    if "_id" not in document:
        size += _ID_SIZE
    if "_creationTime" not in document:
        size += _CREATION_TIME_SIZE
    return size


def too_large_text(size: int) -> str | None:
    """Convex's refusal of a document of `size`, or None when it is within the limit."""
    if size <= MAX_DOCUMENT_SIZE:
        return None
    return f"Value is too large ({binary_size(size)} > maximum size {binary_size(MAX_DOCUMENT_SIZE)})"


def binary_size(count: int) -> str:
    """`count` bytes as Convex writes sizes in messages (the humansize crate's BINARY options: two
    decimals, none for a whole number: "1 MiB", "20.03 MiB", "1000 B")."""
    value = float(count)
    unit = 0
    while value >= 1024 and unit < len(_UNITS) - 1:
        value /= 1024
        unit += 1
    places = 0 if value == int(value) else 2
    return f"{value:.{places}f} {_UNITS[unit]}"


def line_too_long_text() -> str:
    return (
        f"the line is longer than {binary_size(MAX_LINE_BYTES)}, more than any document Convex accepts "
        f"(at most {binary_size(MAX_DOCUMENT_SIZE)}) can take; refusing to read further"
    )
