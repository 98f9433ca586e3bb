"""Realistic, deterministic documents for demos, tests and benchmarks (streamed, never all in memory).

Tables reference each other by id, and values cover every Convex type: Int64, Float64 (with the
special values), bytes, nested objects and arrays, unicode text.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tui.archive.ids import encode_id
from tui.archive.writer import SnapshotWriter

TABLES = {"users": 10001, "channels": 10002, "messages": 10003}
_WORDS = (
    "deploy backup restore snapshot table index query mutation schema storage cron action "
    "release rollback incident pager latency shard region cache queue retry budget owner"
).split()
_NAMES = ("Ada", "Grace", "Linus", "Mária", "Søren", "Zoë", "Hiroshi", "Ngozi", "Łukasz", "Ana")
_EMOJI = ("🚀", "✅", "🔥", "📦", "")


def demo_id(table: str, index: int) -> str:
    """A stable id: the table's number, 14 bytes hashed from the row, and a day number, as Convex mints."""
    digest = hashlib.blake2b(f"{table}:{index}".encode(), digest_size=14).digest()
    return encode_id(TABLES[table], digest + (20400).to_bytes(2, "big"))


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)) + rng.choice(_EMOJI)


def _creation(base_ms: float, index: int) -> float:
    return base_ms + index * 17.25 + 0.125


def users(count: int, *, seed: int = 1, base_ms: float = 1_760_000_000_000.0) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for i in range(count):
        yield {
            "_id": demo_id("users", i),
            "_creationTime": _creation(base_ms, i),
            "name": f"{rng.choice(_NAMES)} {i}",
            "email": f"user{i}@example.com",
            "karma": rng.randint(-(2**40), 2**40),  # Int64
            "score": rng.random() * 100,  # Float64
            "ratio": float(rng.randint(0, 3)),  # an integral Float64: must stay a float
            "settings": {"theme": rng.choice(["dark", "light"]), "digest": rng.random() < 0.5, "tags": ["a", "b"]},
            "avatar": rng.randbytes(12),  # bytes
        }


def channels(count: int, *, users_count: int, seed: int = 2, base_ms: float = 1_760_000_000_000.0) -> Iterator[dict]:
    rng = random.Random(seed)
    for i in range(count):
        yield {
            "_id": demo_id("channels", i),
            "_creationTime": _creation(base_ms, i),
            "name": f"#{rng.choice(_WORDS)}-{i}",
            "owner": demo_id("users", rng.randrange(max(users_count, 1))),
            "members": [demo_id("users", rng.randrange(max(users_count, 1))) for _ in range(3)],
            "limits": {"maxMessages": 2**53 + i, "weights": [0.5, -0.0, float("inf")] if i % 50 == 0 else [0.5]},
        }


def messages(
    count: int,
    *,
    users_count: int,
    channels_count: int,
    body_words: int = 12,
    seed: int = 3,
    base_ms: float = 1_760_000_000_000.0,
) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for i in range(count):
        doc: dict[str, Any] = {
            "_id": demo_id("messages", i),
            "_creationTime": _creation(base_ms, i),
            "author": demo_id("users", rng.randrange(max(users_count, 1))),
            "channel": demo_id("channels", rng.randrange(max(channels_count, 1))),
            "body": _text(rng, body_words),
            "seq": i,
            "edited": rng.random() < 0.1,
            "reactions": [
                {"emoji": rng.choice(_EMOJI[:4]), "count": rng.randint(1, 9)} for _ in range(rng.randint(0, 3))
            ],
            "meta": {"client": {"os": rng.choice(["linux", "mac", "ios"]), "build": rng.randint(1, 999)}},
        }
        if i % 97 == 0:
            doc["nan"] = float("nan")
        yield doc


def write_demo_zip(
    path: Path, *, users_count: int = 200, channels_count: int = 20, messages_count: int = 2000, body_words: int = 12
) -> dict[str, int]:
    """A snapshot ZIP of the three demo tables; returns the document count per table."""
    counts = {"users": users_count, "channels": channels_count, "messages": messages_count}
    with SnapshotWriter(path) as writer:
        writer.write_tables_index("", TABLES.items())
        sources = {
            "channels": channels(channels_count, users_count=users_count),
            "users": users(users_count),
            "messages": messages(
                messages_count, users_count=users_count, channels_count=channels_count, body_words=body_words
            ),
        }
        for table in sorted(sources, key=lambda t: counts[t]):
            with writer.open_table("", table) as out:
                for document in sources[table]:
                    out.write_document(document)
    return counts
