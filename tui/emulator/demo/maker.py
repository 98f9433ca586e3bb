"""Building blocks of the demo apps: random realistic values, table and flavour shapes, small files.

The seeder and the traffic generator both build documents through a `Maker`; they differ only in where
references come from (the seeder's in-memory pools, or the live tables inside a write transaction).
"""

from __future__ import annotations

import builtins  # `Maker.int` shadows the built-in inside the class
import random
import struct
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

ABSENT: Any = object()  # an optional field left out of the document
FILE_KINDS = ("image", "json", "text")


class NoCandidate(Exception):
    """A table to reference has no document (or file) to point at yet."""


FIRST_NAMES = (
    "Ada",
    "Grace",
    "Linus",
    "Zoë",
    "Søren",
    "Mária",
    "José",
    "Chloé",
    "Björn",
    "Łukasz",
    "Ngozi",
    "Ananya",
    "Oğuz",
    "Hiroshi",
    "花子",
    "민준",
    "Aroha",
    "Fatima",
    "Émile",
    "Thảo",
    "Olek",
    "Inès",
)
LAST_NAMES = (
    "Lovelace",
    "Hopper",
    "Torvalds",
    "Martín",
    "Kierkegaard",
    "Kovács",
    "Álvarez",
    "Dubois",
    "Åström",
    "Nowak",
    "Okafor",
    "Iyer",
    "Yılmaz",
    "Tanaka",
    "佐藤",
    "김",
    "Ngata",
    "Haddad",
    "Nguyễn",
    "O'Brien",
)
WORDS = (
    "the",
    "a",
    "we",
    "need",
    "to",
    "check",
    "deploy",
    "backup",
    "restore",
    "customer",
    "invoice",
    "report",
    "café",
    "naïve",
    "über",
    "jalapeño",
    "résumé",
    "東京",
    "数据",
    "안녕하세요",
    "пример",
    "größe",
    "déjà vu",
    "latency",
    "weekly",
    "sync",
    "draft",
    "review",
    "launch",
    "budget",
    "🚀",
    "✅",
    "🎉",
    "👍",
    "🔥",
    "📦",
)
COMPANIES = (
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella Labs",
    "Müller & Söhne GmbH",
    "Café Olé SARL",
    "株式会社サクラ",
    "北京数据科技",
    "Nordlys AS",
    "Hooli",
    "Pied Piper",
    "Stark Industries",
    "Tyrell Corp",
    "Björk & Co",
    "Zürich Analytics AG",
    "São Paulo Foods",
)
CITIES = (
    ("Berlin", "DE"),
    ("Paris", "FR"),
    ("東京", "JP"),
    ("São Paulo", "BR"),
    ("Kraków", "PL"),
    ("Montréal", "CA"),
    ("Austin", "US"),
    ("Lagos", "NG"),
    ("Seoul", "KR"),
    ("Reykjavík", "IS"),
)
EMOJI = ("👍", "🎉", "❤️", "😂", "🚀", "👀", "✅")
LOCALES = ("en-US", "fr-FR", "de-DE", "ja-JP", "pt-BR", "pl-PL", "ko-KR")
DAY_MS = 86_400_000


class Maker:
    """What a table's `make` sees: randomness, the new document's time, and ids it may reference."""

    def __init__(self, rng: random.Random, *, dev: bool = False):
        self.rng = rng
        self.dev = dev  # dev deployments hold test-looking data
        self.now_ms = 0.0  # the new document's `_creationTime`

    def pick(self, table: str) -> str:
        """The id of an existing document of `table`; raises NoCandidate when there is none."""
        raise NotImplementedError

    def file(self, kind: str | None = None) -> str:
        """The id of an existing file of `kind` (one of FILE_KINDS, None for any), or ABSENT."""
        raise NotImplementedError

    # -- randomness ----------------------------------------------------------------------------
    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def one(self, options):
        return self.rng.choice(options)

    def int(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def some(self, options, low: builtins.int, high: builtins.int) -> list:
        return self.rng.sample(options, min(len(options), self.int(low, high)))

    def maybe(self, p: float, make: Callable[[], Any]) -> Any:
        """An optional field: `make()` with probability p, else ABSENT."""
        return make() if self.chance(p) else ABSENT

    def picks(self, table: str, low: builtins.int, high: builtins.int) -> list[str]:
        return sorted({self.pick(table) for _ in range(self.int(low, high))})

    def files(self, kind: str | None, low: builtins.int, high: builtins.int) -> list[str]:
        found = {self.file(kind) for _ in range(self.int(low, high))}
        return sorted(f for f in found if f is not ABSENT)

    # -- realistic values ----------------------------------------------------------------------
    def person(self) -> str:
        if self.dev and self.chance(0.5):
            return f"Test User {self.int(1, 999)}"
        return f"{self.one(FIRST_NAMES)} {self.one(LAST_NAMES)}"

    def email(self, name: str) -> str:
        local = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
        local = "".join(c if c.isalnum() else "." for c in local).strip(".") or "user"
        domain = "test.example" if self.dev else self.one(("example.com", "example.org", "mail.example"))
        return f"{local}{self.int(1, 99)}@{domain}"

    def phone(self) -> str:
        return f"+{self.int(1, 99)} {self.int(10**8, 10**9)}"

    def text(self, low: builtins.int, high: builtins.int) -> str:
        words = " ".join(self.one(WORDS) for _ in range(self.int(low, high)))
        return words.capitalize() + self.one((".", "!", "?", " 🙂", ""))

    def company(self) -> str:
        return self.one(COMPANIES)

    def address(self) -> dict[str, Any]:
        city, country = self.one(CITIES)
        return {
            "street": f"{self.int(1, 250)} {self.one(LAST_NAMES)}straße",
            "city": city,
            "country": country,
            "postcode": str(self.int(10000, 99999)),
            "geo": {"lat": self.rng.uniform(-60, 60), "lng": self.rng.uniform(-180, 180)},
        }

    def later(self, days: float) -> float:
        """A time up to `days` after the document's creation (ms, Float64)."""
        return round(self.now_ms + self.rng.uniform(0, days * DAY_MS), 3)

    def measure(self) -> float:
        """A Float64 measurement: mostly ordinary, often integral, rarely NaN, ±Infinity or -0.0."""
        roll = self.rng.random()
        if roll < 0.01:
            return self.one((float("nan"), float("inf"), float("-inf"), -0.0))
        if roll < 0.25:
            return float(self.int(0, 500))
        return round(self.rng.lognormvariate(3, 1), 3)

    def blob(self, size: builtins.int) -> bytes:
        return self.rng.randbytes(size)


def compact(fields: dict[str, Any]) -> dict[str, Any]:
    """Drop optional fields that were left out."""
    return {k: v for k, v in fields.items() if v is not ABSENT}


@dataclass(frozen=True)
class TableSpec:
    name: str
    count: int  # documents at scale 1.0 in a prod deployment
    refs: tuple[str, ...]  # tables whose ids this table's documents hold ('_storage' for files)
    make: Callable[[Maker], dict[str, Any]]


@dataclass(frozen=True)
class Flavour:
    """One demo app: its tables in dependency order and its environment variables."""

    name: str
    title: str
    tables: tuple[TableSpec, ...]
    env: dict[str, str]  # flavour-specific variables, added to the common ones

    def table(self, name: str) -> TableSpec:
        return next(t for t in self.tables if t.name == name)

    @property
    def leaves(self) -> tuple[str, ...]:
        """Tables no other table references: the only ones that lose documents under traffic."""
        referenced = {ref for spec in self.tables for ref in spec.refs}
        return tuple(t.name for t in self.tables if t.name not in referenced)

    def env_vars(self, *, dev: bool) -> dict[str, str]:
        slug = self.title.lower().replace(" ", "-")
        return {
            "APP_NAME": self.title + (" (dev)" if dev else ""),
            "SITE_URL": "http://localhost:5173" if dev else f"https://{slug}.example.com",
            "LOG_LEVEL": "debug" if dev else "info",
            "SUPPORT_EMAIL": f"support@{slug}.example.com",
            "DEFAULT_LOCALE": "en-US",
            "FEATURE_FLAGS": "new-editor,search-v2" + (",dev-tools" if dev else ""),
            **self.env,
        }


# -- file contents -----------------------------------------------------------------------------------
def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid 8-bit RGB PNG: a gradient starting at `rgb`."""
    red, green, blue = rgb

    def row(y: int) -> bytes:  # filter byte 0 (none), then the pixels
        pixels = (((red + x * 7) % 256, (green + y * 7) % 256, (blue + x + y) % 256) for x in range(width))
        return b"\x00" + b"".join(map(bytes, pixels))

    rows = b"".join(row(y) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows, 6))
        + _png_chunk(b"IEND", b"")
    )


def file_content(g: Maker, kind: str) -> tuple[bytes, str]:
    """(bytes, content type) of a small demo file of `kind`."""
    if kind == "image":
        side = g.int(8, 48)
        return png(side, side, (g.int(0, 255), g.int(0, 255), g.int(0, 255))), "image/png"
    if kind == "json":
        rows = [{"name": g.person(), "total": g.int(0, 10**6)} for _ in range(g.int(3, 30))]
        return orjson.dumps({"generatedAt": g.now_ms, "rows": rows}, option=orjson.OPT_INDENT_2), "application/json"
    if g.chance(0.5):
        lines = ["name,city,amount"] + [f"{g.person()},{g.one(CITIES)[0]},{g.int(1, 999)}" for _ in range(g.int(3, 40))]
        return ("\n".join(lines) + "\n").encode(), "text/csv"
    return ("\n".join(g.text(5, 20) for _ in range(g.int(2, 20))) + "\n").encode(), "text/plain; charset=utf-8"


def kind_of(content_type: str | None) -> str:
    """The FILE_KINDS entry a content type belongs to."""
    if content_type and content_type.startswith("image/"):
        return "image"
    if content_type == "application/json":
        return "json"
    return "text"
