"""Tolerant readers for fields of Convex's JSON: numbers may arrive as JSON numbers, decimal strings or
Convex Int64 (`{"$integer": "<base64 of 8 little-endian bytes>"}`); a missing or mistyped field gives the
default instead of an exception. `object_of`/`list_of` check the overall shape and raise `ProtocolError`.
"""

from __future__ import annotations

import base64
import binascii
import struct
from collections.abc import Mapping
from typing import Any, overload

from tui.api.errors import ProtocolError


@overload
def as_int(value: Any, default: int) -> int: ...
@overload
def as_int(value: Any, default: None = None) -> int | None: ...
def as_int(value: Any, default: int | None = None) -> int | None:
    """An integer from a JSON number, a decimal string or `{"$integer": "<base64 LE>"}`."""
    if value is None or isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else default
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return default
    if isinstance(value, Mapping) and isinstance(value.get("$integer"), str):
        try:
            raw = base64.b64decode(value["$integer"], validate=True)
        except (binascii.Error, ValueError):
            return default
        return struct.unpack("<q", raw)[0] if len(raw) == 8 else default
    return default


@overload
def as_float(value: Any, default: float) -> float: ...
@overload
def as_float(value: Any, default: None = None) -> float | None: ...
def as_float(value: Any, default: float | None = None) -> float | None:
    if isinstance(value, bool) or value is None:
        return default
    if isinstance(value, (int, float)):
        return float(value)
    number = as_int(value)
    return float(number) if number is not None else default


@overload
def as_str(value: Any, default: str) -> str: ...
@overload
def as_str(value: Any, default: None = None) -> str | None: ...
def as_str(value: Any, default: str | None = None) -> str | None:
    return value if isinstance(value, str) else default


def as_bool(value: Any, default: bool = False) -> bool:
    return value if isinstance(value, bool) else default


def as_mapping(value: Any, default: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """A JSON object, or `default` (an empty one if not given) for anything else."""
    if isinstance(value, Mapping):
        return value
    return {} if default is None else default


def as_list(value: Any) -> list[Any]:
    """A JSON array, or an empty list for anything else."""
    return value if isinstance(value, list) else []


def object_of(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ProtocolError(f"Expected {what} as a JSON object, got {type(data).__name__}.", code="UnexpectedShape")
    return data


def list_of(data: Any, what: str) -> list[Any]:
    if not isinstance(data, list):
        raise ProtocolError(f"Expected a list of {what}, got {type(data).__name__}.", code="UnexpectedShape")
    return data
