"""Convex values in Python and their JSON encodings.

Python mapping: None, bool, int (Int64), float (Float64), str, bytes, list, dict.
Two encodings are spoken on the wire:
- export JSON (ZIP files, with the "uniform" marker): Int64 as a bare integer, Float64 always with a
  decimal point or exponent, NaN/±Infinity as {"$float": ...}, bytes as {"$bytes": ...};
- encoded JSON (query API and sync protocol): Int64 as {"$integer": ...}, NaN/±Infinity/-0.0 as $float.
"""

from __future__ import annotations

import base64
import binascii
import math
import struct

import orjson
from typing import Any

from tui.values.field_names import field_name_problem

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class ConvexValueError(ValueError):
    """A JSON value that is not a valid Convex value; the message says why."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise ConvexValueError(f"{what} must hold a base64 string")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ConvexValueError(f"{what} is not valid base64: {exc}") from None


def float_to_b64(value: float) -> str:
    return _b64(struct.pack("<d", value))


def int_to_b64(value: int) -> str:
    return _b64(struct.pack("<q", value))


def _is_special_float(value: float, *, negative_zero_special: bool) -> bool:
    if math.isnan(value) or math.isinf(value):
        return True
    return negative_zero_special and value == 0.0 and math.copysign(1.0, value) < 0


def _decode_special(obj: dict[str, Any]) -> Any:
    if len(obj) != 1:
        raise ConvexValueError(
            f"an object whose first key starts with '$' must have exactly one key, got {sorted(obj)}"
        )
    ((key, payload),) = obj.items()
    if key == "$bytes":
        return _unb64(payload, "$bytes")
    if key == "$integer":
        raw = _unb64(payload, "$integer")
        if len(raw) != 8:
            raise ConvexValueError("$integer must hold 8 bytes")
        return struct.unpack("<q", raw)[0]
    if key == "$float":
        raw = _unb64(payload, "$float")
        if len(raw) != 8:
            raise ConvexValueError("$float must hold 8 bytes")
        value = struct.unpack("<d", raw)[0]
        if not (math.isnan(value) or math.isinf(value) or value == 0.0):
            raise ConvexValueError(f"$float must only hold NaN, ±Infinity or -0.0, not {value!r}")
        return value
    raise ConvexValueError(f"unknown special value {key!r}")


# Field names repeat across millions of documents: remember the ones already found valid.
_VALID_NAMES: tuple[set[str], set[str]] = (set(), set())  # (nested, top level)
_NAME_CACHE_LIMIT = 100_000
_SCALARS = (str, float, bool, type(None))


def _check_name(key: str, top_level: bool) -> None:
    known = _VALID_NAMES[top_level]
    if key in known:
        return
    problem = field_name_problem(key, top_level=top_level)
    if problem:
        raise ConvexValueError(problem)
    if len(known) < _NAME_CACHE_LIMIT:
        known.add(key)


def _decode(value: Any, *, bare_ints_are_int64: bool, depth: int, top_level: bool = False) -> Any:
    """Validate and convert; containers are copied only when something inside them changes."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is int:
        if bare_ints_are_int64 and INT64_MIN <= value <= INT64_MAX:
            return value
        return float(value)
    if depth > 64:
        raise ConvexValueError("the value is nested more than 64 levels deep")
    if kind is list:
        out_list: list[Any] | None = None
        for index, item in enumerate(value):
            if type(item) in _SCALARS:
                continue
            new = _decode(item, bare_ints_are_int64=bare_ints_are_int64, depth=depth + 1)
            if new is not item:
                if out_list is None:
                    out_list = list(value)
                out_list[index] = new
        return value if out_list is None else out_list
    if kind is dict:
        if value and next(iter(value)).startswith("$"):
            return _decode_special(value)
        out: dict[str, Any] | None = None
        for key, item in value.items():
            _check_name(key, top_level)
            if type(item) in _SCALARS:
                continue
            new = _decode(item, bare_ints_are_int64=bare_ints_are_int64, depth=depth + 1)
            if new is not item:
                if out is None:
                    out = dict(value)
                out[key] = new
        return value if out is None else out
    if isinstance(value, (bool, str, float)):  # subclasses of the JSON scalar types
        return value
    raise ConvexValueError(f"unsupported JSON value {value!r}")


# -- validation without decoding -------------------------------------------------------------------
# The parse phase of an import only needs to know that a document is valid. These checks build
# nothing and use C calls where they can (a set holding every known-good field name answers for a
# whole object at once); they return False when they are not sure, and the caller then runs the
# full decoder, which either accepts the document after all or raises its precise error.
_DEEP = 60  # beyond this nesting the full decoder decides (its limit is 64)
_PLAIN = frozenset({str, float, bool, type(None), int})


def _names_valid(obj: dict[str, Any], top_level: bool) -> bool:
    known = _VALID_NAMES[top_level]
    if known.issuperset(obj):
        return True
    for key in obj:
        if key not in known:
            if type(key) is not str or field_name_problem(key, top_level=top_level):
                return False
            if len(known) < _NAME_CACHE_LIMIT:
                known.add(key)
    return True


def _object_valid(obj: dict[str, Any], int64: bool, depth: int, top_level: bool) -> bool:
    if not _names_valid(obj, top_level):
        # A `$` key is never a valid field name: this may be a special value such as {"$float": ...}.
        if not int64 or top_level or not obj or not next(iter(obj)).startswith("$"):
            return False
        try:
            _decode_special(obj)
        except ConvexValueError:
            return False
        return True
    for item in obj.values():
        kind = type(item)
        if kind is dict:
            if depth >= _DEEP or not _object_valid(item, int64, depth + 1, False):
                return False
        elif kind is list:
            if depth >= _DEEP or not _array_valid(item, int64, depth + 1):
                return False
        elif kind not in _PLAIN:
            return False
    return True


def _array_valid(items: list[Any], int64: bool, depth: int) -> bool:
    for item in items:
        kind = type(item)
        if kind is dict:
            if depth >= _DEEP or not _object_valid(item, int64, depth + 1, False):
                return False
        elif kind is list:
            if depth >= _DEEP or not _array_valid(item, int64, depth + 1):
                return False
        elif kind not in _PLAIN:
            return False
    return True


def export_document_is_valid(obj: Any) -> bool:
    """True only if decode_export_document(obj) returns a dict without raising (False: not sure)."""
    return type(obj) is dict and _object_valid(obj, True, 0, True)


def legacy_document_is_valid(obj: Any) -> bool:
    """True only if decode_legacy_document(obj) returns a dict without raising (False: not sure)."""
    return type(obj) is dict and _object_valid(obj, False, 0, True)


def decode_export_value(value: Any) -> Any:
    """Export JSON (uniform marker) -> Convex value."""
    return _decode(value, bare_ints_are_int64=True, depth=0)


def decode_export_document(obj: Any) -> dict[str, Any]:
    """A documents.jsonl object -> a Convex document (dict), validating field names."""
    if not isinstance(obj, dict):
        raise ConvexValueError(f"expected an object, found {_preview(obj)}")
    document: dict[str, Any] = _decode(obj, bare_ints_are_int64=True, depth=0, top_level=True)
    return document


def decode_legacy_document(obj: Any) -> dict[str, Any]:
    """No generated_schema.jsonl: every number is a Float64 and '$' keys are rejected."""
    if not isinstance(obj, dict):
        raise ConvexValueError(f"expected an object, found {_preview(obj)}")
    _reject_dollar_keys(obj, 0)
    document: dict[str, Any] = _decode(obj, bare_ints_are_int64=False, depth=0, top_level=True)
    return document


def _reject_dollar_keys(value: Any, depth: int) -> None:
    if depth > 64:
        raise ConvexValueError("the value is nested more than 64 levels deep")
    if isinstance(value, dict):
        for key, item in value.items():
            if key.startswith("$"):
                raise ConvexValueError(f"field name {key!r} starts with '$', which is reserved")
            _reject_dollar_keys(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _reject_dollar_keys(item, depth + 1)


def decode_encoded_value(value: Any) -> Any:
    """Encoded JSON (query args, sync protocol) -> Convex value: bare numbers are Float64."""
    return _decode(value, bare_ints_are_int64=False, depth=0)


def encode_export_value(value: Any) -> Any:
    """Convex value -> export JSON (what documents.jsonl holds)."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        if _is_special_float(value, negative_zero_special=False):
            return {"$float": float_to_b64(value)}
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": _b64(bytes(value))}
    if isinstance(value, (list, tuple)):
        return [encode_export_value(v) for v in value]
    if isinstance(value, dict):
        return {k: encode_export_value(v) for k, v in value.items()}
    raise TypeError(f"{type(value).__name__} is not a Convex value")


def encode_json_value(value: Any) -> Any:
    """Convex value -> encoded JSON ("convex_encoded_json")."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return {"$integer": int_to_b64(value)}
    if isinstance(value, float):
        if _is_special_float(value, negative_zero_special=True):
            return {"$float": float_to_b64(value)}
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": _b64(bytes(value))}
    if isinstance(value, (list, tuple)):
        return [encode_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: encode_json_value(v) for k, v in value.items()}
    raise TypeError(f"{type(value).__name__} is not a Convex value")


def encode_clean_value(value: Any) -> Any:
    """Convex value -> clean JSON ("json"): lossy, Int64 as decimal strings."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _b64(bytes(value))
    if isinstance(value, (list, tuple)):
        return [encode_clean_value(v) for v in value]
    if isinstance(value, dict):
        return {k: encode_clean_value(v) for k, v in value.items()}
    raise TypeError(f"{type(value).__name__} is not a Convex value")


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def export_line(document: dict[str, Any]) -> bytes:
    """One documents.jsonl line: export JSON, keys sorted as Convex sorts them, newline-terminated."""
    return orjson.dumps(encode_export_value(document), option=orjson.OPT_SORT_KEYS) + b"\n"
