"""Document ids and Convex value encodings."""

from __future__ import annotations

import math
import os

import orjson
import pytest

from tui.archive.ids import (
    ALPHABET,
    InvalidIdError,
    _base32_encode,
    _fletcher16,
    decode_id,
    encode_id,
    is_valid_id,
    new_id,
    table_number_of,
)
from tui.values.encoding import (
    ConvexValueError,
    decode_encoded_value,
    decode_export_document,
    decode_export_value,
    decode_legacy_document,
    encode_export_value,
    encode_json_value,
    export_line,
)

# -- ids -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("table_number", [1, 127, 128, 540, 10001, 10002, 16383, 16384, 2**21, 2**32 - 1])
def test_id_round_trip(table_number: int) -> None:
    internal = os.urandom(16)
    text = encode_id(table_number, internal)
    assert decode_id(text) == (table_number, internal)
    assert set(text) <= set(ALPHABET)
    assert 31 <= len(text) <= 37


def test_id_lengths_follow_the_vint_size() -> None:
    assert len(encode_id(127, bytes(16))) == 31
    assert len(encode_id(10001, bytes(16))) == 32


@pytest.mark.parametrize(
    "text, table_number",
    [
        ("kg27rxfv99gzp01wmph0gvt92d6hnvy6", 540),
        ("j971rbhbq1b9v03c298xsjdywe4h4c6a", 10002),
        ("j57488427kyydwe2dcrfj3p7vm0y9gqz", 10001),
    ],
)
def test_spec_example_ids(text: str, table_number: int) -> None:
    assert table_number_of(text) == table_number
    assert is_valid_id(text)


def test_new_id_has_the_table_and_day_number() -> None:
    text = new_id(10001, now_s=86400 * 19800 + 5)
    number, internal = decode_id(text)
    assert number == 10001
    assert int.from_bytes(internal[14:], "big") == 19800


GOOD = "j57488427kyydwe2dcrfj3p7vm0y9gqz"


@pytest.mark.parametrize(
    "text",
    [
        GOOD[:30],  # too short
        GOOD + "zzzzzz",  # too long
        GOOD[:-1] + "u",  # 'u' is not in the alphabet
        GOOD[:-1] + "I",  # upper case is not either
        GOOD[:10] + ("0" if GOOD[10] != "0" else "1") + GOOD[11:],  # checksum no longer matches
        "",
    ],
)
def test_bad_ids_are_rejected(text: str) -> None:
    with pytest.raises(InvalidIdError):
        decode_id(text)
    assert not is_valid_id(text)


def test_non_canonical_id_is_rejected() -> None:
    text = encode_id(5, bytes(range(16)))  # 19 bytes -> 31 chars with 3 padding bits
    assert len(text) == 31
    padded = text[:-1] + ALPHABET[ALPHABET.index(text[-1]) | 1]  # same bytes, a padding bit set
    assert padded != text
    with pytest.raises(InvalidIdError, match="canonical"):
        decode_id(padded)


def test_table_number_zero_is_rejected() -> None:
    body = b"\x00" + bytes(16)
    with pytest.raises(InvalidIdError, match="out of range"):
        decode_id(_base32_encode(body + _fletcher16(body)))
    with pytest.raises(InvalidIdError):
        encode_id(0, bytes(16))


def test_non_string_id_is_rejected() -> None:
    assert not is_valid_id(12345)
    assert not is_valid_id(None)


# -- export JSON -----------------------------------------------------------------------------------


def test_export_line_encodings() -> None:
    line = export_line(
        {"i": 5, "f": 5.0, "neg": -0.0, "nan": math.nan, "inf": math.inf, "ninf": -math.inf, "b": b"\x00\x01"}
    )
    row = orjson.loads(line)
    assert line.endswith(b"\n")
    assert b'"i":5,' in line or b'"i":5}' in line
    assert b'"f":5.0' in line
    assert b'"neg":-0.0' in line
    assert row["nan"] == {"$float": "AAAAAAAA+H8="}
    assert row["inf"] == {"$float": "AAAAAAAA8H8="}
    assert row["ninf"] == {"$float": "AAAAAAAA8P8="}
    assert row["b"] == {"$bytes": "AAE="}
    assert list(row) == sorted(row)  # canonical key order


def test_export_round_trip() -> None:
    document = {
        "_creationTime": 1712345678901.234,
        "_id": GOOD,
        "count": 3,
        "big": 2**63 - 1,
        "small": -(2**63),
        "ratio": 0.5,
        "whole": 2.0,
        "score": math.inf,
        "blob": b"\xff" * 5,
        "nested": {"list": [1, 1.0, "x", None, True, [b"", {"k": "ünïcødé ✓"}]]},
        "emoji": "🦦",
    }
    decoded = decode_export_document(orjson.loads(export_line(document)))
    assert decoded == document
    assert type(decoded["count"]) is int and type(decoded["whole"]) is float
    assert type(decoded["nested"]["list"][1]) is float


def test_special_floats_decode() -> None:
    assert math.isnan(decode_export_value({"$float": "AAAAAAAA+H8="}))
    assert decode_export_value({"$float": "AAAAAAAA8H8="}) == math.inf
    assert decode_export_value({"$float": "AAAAAAAA8P8="}) == -math.inf
    negative_zero = decode_export_value({"$float": encode_json_value(-0.0)["$float"]})
    assert negative_zero == 0.0 and math.copysign(1.0, negative_zero) < 0
    plain_negative_zero = decode_export_value(orjson.loads(b"-0.0"))
    assert math.copysign(1.0, plain_negative_zero) < 0


def test_float_holding_a_normal_number_is_rejected() -> None:
    with pytest.raises(ConvexValueError):
        decode_export_value({"$float": "AAAAAAAA8D8="})  # 1.0


def test_integer_form_is_accepted() -> None:
    assert decode_export_value(encode_json_value(-42)) == -42
    assert decode_export_value({"$integer": "AQAAAAAAAAA="}) == 1


def test_bytes_form() -> None:
    assert decode_export_value({"$bytes": "AAE="}) == b"\x00\x01"
    with pytest.raises(ConvexValueError):
        decode_export_value({"$bytes": "not base64!"})


@pytest.mark.parametrize(
    "document",
    [
        {"$weird": 1},
        {"a": {"$bytes": "AA==", "extra": 1}},
        {"a": {"ok": 1, "$c": 2}},
        {"_private": 1},
        {"": 1},
        {"a": {"$integer": "AQ=="}},  # not 8 bytes
    ],
)
def test_invalid_values_are_rejected(document: dict) -> None:
    with pytest.raises(ConvexValueError):
        decode_export_document(document)


def test_documents_must_be_objects() -> None:
    with pytest.raises(ConvexValueError, match="expected an object"):
        decode_export_document([1, 2])


def test_integers_beyond_int64_become_floats() -> None:
    assert decode_export_value(2**63) == float(2**63)
    assert type(decode_export_value(2**63)) is float
    assert type(decode_export_value(-(2**63) - 1)) is float
    assert type(decode_export_value(orjson.loads(b"18446744073709551616"))) is float


def test_legacy_documents_turn_numbers_into_floats_and_reject_dollar_keys() -> None:
    decoded = decode_legacy_document({"n": 5, "s": "x", "l": [1]})
    assert decoded == {"n": 5.0, "s": "x", "l": [1.0]}
    assert type(decoded["n"]) is float
    with pytest.raises(ConvexValueError):
        decode_legacy_document({"b": {"$bytes": "AA=="}})


def test_encoded_json_both_ways() -> None:
    value = {"i": 7, "f": 7.0, "z": -0.0, "b": b"x", "l": [math.inf]}
    encoded = encode_json_value(value)
    assert encoded["i"] == {"$integer": "BwAAAAAAAAA="}
    assert encoded["f"] == 7.0
    assert "$float" in encoded["z"]
    decoded = decode_encoded_value(encoded)
    assert decoded == value and type(decoded["i"]) is int and math.copysign(1, decoded["z"]) < 0


def test_export_encoding_round_trips_via_encode_export_value() -> None:
    value = {"x": [1, 2.5, b"\x01", math.inf, None, {"y": "z"}]}
    assert decode_export_value(encode_export_value(value)) == value
