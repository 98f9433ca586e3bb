"""Convex document ids: VInt table number, 16-byte internal id, Fletcher-16 footer, base32."""

from __future__ import annotations

import base64
import operator
import os
import time
import zlib

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_DECODE = {c: i for i, c in enumerate(ALPHABET)}
_ALPHABET_SET = frozenset(ALPHABET)
MIN_LEN, MAX_LEN = 31, 37
MAX_TABLE_NUMBER = 2**32 - 1


class InvalidIdError(ValueError):
    """The string is not a canonical Convex document id."""


_RFC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_TO_CROCKFORD = str.maketrans(_RFC, ALPHABET)
_TO_INT_DIGITS = str.maketrans(ALPHABET, "0123456789abcdefghijklmnopqrstuv")


def _base32_encode(data: bytes) -> str:
    # base64's C codec does the bit shuffling; only the alphabet differs (Crockford, lower case).
    return base64.b32encode(data).decode("ascii").rstrip("=").translate(_TO_CROCKFORD)


def _base32_decode(text: str) -> bytes:
    if not _ALPHABET_SET.issuperset(text):
        bad = next(c for c in text if c not in _ALPHABET_SET)
        raise InvalidIdError(f"character {bad!r} is not in the id alphabet")
    # int() parses base 32 in C; only the digit alphabet differs. Trailing pad bits are dropped here
    # and checked by the caller (canonical form).
    nbytes, spare = divmod(len(text) * 5, 8)
    value = int(text.translate(_TO_INT_DIGITS), 32) if text else 0
    return (value >> spare).to_bytes(nbytes, "big")


def _fletcher16(data: bytes) -> bytes:
    # c0 = Σ b, c1 = Σ c0 after each byte = Σ (n - i)·b_i, both mod 256; map() keeps the loop in C.
    n = len(data)
    c1 = sum(map(operator.mul, range(n, 0, -1), data))
    return bytes((sum(data) & 0xFF, c1 & 0xFF))


def _vint(number: int) -> bytes:
    out = bytearray()
    while True:
        group = number & 0x7F
        number >>= 7
        if number:
            out.append(group | 0x80)
        else:
            out.append(group)
            return bytes(out)


def encode_id(table_number: int, internal_id: bytes) -> str:
    if not 1 <= table_number <= MAX_TABLE_NUMBER:
        raise InvalidIdError(f"table number {table_number} is out of range")
    if len(internal_id) != 16:
        raise InvalidIdError("the internal id must be 16 bytes")
    body = _vint(table_number) + internal_id
    return _base32_encode(body + _fletcher16(body))


# Every byte to its base-32 digit for int(); bytes outside the alphabet become "!", which int()
# rejects (so no sign, space or underscore int() would otherwise accept can slip through).
_TO_INT_BYTES = bytes(
    (b"0123456789abcdefghijklmnopqrstuv"[ALPHABET.index(chr(b))] if chr(b) in _ALPHABET_SET else ord("!"))
    for b in range(256)
)


def decode_id(text: object) -> tuple[int, bytes]:
    """Return (table number, internal id); raise InvalidIdError for anything not canonical.

    The common case (a valid id whose table number has one or two VInt bytes) is checked with a few
    C calls; anything else goes through the step-by-step checks, which name the problem.
    """
    if type(text) is not str or not MIN_LEN <= len(text) <= MAX_LEN:
        return _decode_id_checked(text)
    try:
        value = int(text.encode("ascii").translate(_TO_INT_BYTES), 32)
    except ValueError:  # a character outside the alphabet (UnicodeEncodeError is a ValueError)
        return _decode_id_checked(text)
    nbytes, spare = divmod(len(text) * 5, 8)
    if spare < 5 and not value & ((1 << spare) - 1):
        raw = (value >> spare).to_bytes(nbytes, "big")
        first = raw[0]
        if first < 0x80:
            number, pos = first, 1
        elif 0 < raw[1] < 0x80:  # a second byte of 0 would be an over-long VInt
            number, pos = (first & 0x7F) | (raw[1] << 7), 2
        else:
            number, pos = 0, 0
        if number and nbytes == pos + 18:
            # Fletcher-16 from Adler-32: for at most 22 bytes neither Adler sum wraps modulo 65521,
            # so they are the exact Fletcher sums (the second offset by the length).
            end = pos + 16
            adler = zlib.adler32(raw[:end])
            if raw[end] == ((adler & 0xFFFF) - 1) & 0xFF and raw[end + 1] == ((adler >> 16) - end) & 0xFF:
                return number, raw[pos:end]
    return _decode_id_checked(text)


def _decode_id_checked(text: object) -> tuple[int, bytes]:
    """decode_id, one check at a time: says exactly what is wrong with an id."""
    if not isinstance(text, str):
        raise InvalidIdError("an id must be a string")
    if not MIN_LEN <= len(text) <= MAX_LEN:
        raise InvalidIdError(f"an id has {MIN_LEN} to {MAX_LEN} characters, this one has {len(text)}")
    raw = _base32_decode(text)
    # Canonical form: no whole spare character and no set bits in the final character's padding.
    spare = len(text) * 5 - len(raw) * 8
    if spare >= 5 or _DECODE[text[-1]] & ((1 << spare) - 1):
        raise InvalidIdError("the id is not in canonical form")
    number = 0
    shift = 0
    pos = 0
    while True:
        if pos >= len(raw) or shift > 28:
            raise InvalidIdError("the table number is not a valid VInt")
        byte = raw[pos]
        number |= (byte & 0x7F) << shift
        pos += 1
        shift += 7
        if not byte & 0x80:
            break
    if not 1 <= number <= MAX_TABLE_NUMBER:
        raise InvalidIdError(f"table number {number} is out of range")
    if len(raw) != pos + 16 + 2:
        raise InvalidIdError("the id has the wrong length for its table number")
    if _fletcher16(raw[: pos + 16]) != raw[pos + 16 :]:
        raise InvalidIdError("the id's checksum does not match")
    if _vint(number) != raw[:pos]:
        raise InvalidIdError("the id is not in canonical form")  # an over-long VInt
    return number, raw[pos : pos + 16]


def table_number_of(text: str) -> int:
    return decode_id(text)[0]


def is_valid_id(text: object) -> bool:
    try:
        decode_id(text)
    except InvalidIdError:
        return False
    return True


def new_id(table_number: int, now_s: float | None = None) -> str:
    """14 random bytes then the day number since the epoch (big-endian), as Convex mints them."""
    day = int((time.time() if now_s is None else now_s) // 86400) & 0xFFFF
    return encode_id(table_number, os.urandom(14) + day.to_bytes(2, "big"))
