"""Keeping credentials out of text: a `Secret` wrapper whose repr is masked, and `scrub`, which removes
anything key- or token-shaped from a message, a URL or a header value before it is shown or logged.

What counts as a secret here: access tokens, deploy keys, admin keys (`<name>|<secret>`), the
Authorization header's value, `?adminKey=` query values, and environment variable values a caller
registers explicitly (they have no recognisable shape).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NoReturn

MASK = "***"
# A value shorter than this is not treated as a secret to search for: masking "1" or "ab" everywhere
# would mangle ordinary text while protecting nothing.
MIN_LITERAL_LENGTH = 4

# `Convex <key>` / `Bearer <token>` / `Basic <x>` as they appear in headers. Only token-like values
# (16+ characters of a token alphabet) match, so prose such as "Convex deployment" is left alone.
_AUTH_SCHEME = re.compile(r"\b(Convex|Bearer|Basic)\s+[A-Za-z0-9+/=_\-.:|~]{16,}", re.IGNORECASE)
# `Authorization: <anything>` / `"authorization": "<anything>"` up to the end of the value.
_AUTH_HEADER = re.compile(r"(authorization[\"']?\s*[:=]\s*[\"']?)[^\"'\r\n,}]+", re.IGNORECASE)
# `adminKey=...` / `accessToken=...` in query strings, and `"adminKey": "..."` in quoted JSON.
_QUERY_SECRET = re.compile(
    r"((?:admin_?key|access_?token|deploy_?key|api_?key|token)(?:=|[\"']\s*:\s*[\"']))[^&\s\"',}]+",
    re.IGNORECASE,
)
# `<prefix>|<secret>`: admin keys, deploy keys, project and preview keys. The prefix may hold `:`.
# No whitespace on either side of the bar, so ASCII tables (`a | b`) are left alone.
_PIPE_KEY = re.compile(r"([A-Za-z0-9_.:\-]+)\|([A-Za-z0-9+/=_\-.]{6,})")


class Secret:
    """A credential that never shows itself in `repr`, `str` or f-strings; `reveal()` gives the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str | Secret):
        if isinstance(value, Secret):
            value = value.reveal()
        if not isinstance(value, str):
            raise TypeError("a Secret holds a string")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> NoReturn:  # pickling would write the value somewhere unexpected
        raise TypeError("a Secret cannot be pickled")


def reveal(value: str | Secret | None) -> str | None:
    return value.reveal() if isinstance(value, Secret) else value


def scrub(text: str, secrets: Iterable[str | Secret | None] = ()) -> str:
    """`text` with every known secret and every key- or token-shaped fragment replaced by `***`."""
    if not text:
        return text
    literals = sorted(
        {v for v in (reveal(s) for s in secrets) if v and len(v) >= MIN_LITERAL_LENGTH}, key=len, reverse=True
    )
    for literal in literals:
        text = text.replace(literal, MASK)
        # A key may also appear without its `<type>:` prefix or only with its secret half.
        if "|" in literal:
            secret_half = literal.split("|", 1)[1]
            if len(secret_half) >= MIN_LITERAL_LENGTH:
                text = text.replace(secret_half, MASK)
    text = _AUTH_SCHEME.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _AUTH_HEADER.sub(lambda m: f"{m.group(1)}{MASK}", text)
    text = _QUERY_SECRET.sub(lambda m: f"{m.group(1)}{MASK}", text)
    text = _PIPE_KEY.sub(lambda m: f"{m.group(1)}|{MASK}", text)
    return text


def mask(value: str | Secret | None, *, keep: int = 0) -> str:
    """A display form for a secret: `***`, or its first `keep` characters then `***` (for telling keys apart)."""
    raw = reveal(value)
    if not raw:
        return "(none)"
    if "|" in raw:  # the part before the bar names the deployment and is not secret
        return f"{raw.split('|', 1)[0]}|{MASK}"
    return f"{raw[:keep]}{MASK}" if keep and len(raw) > keep * 4 else MASK
