"""Fill one deployment with a realistic demo app: thousands of documents, small files, environment variables.

Documents go straight into the deployment's tables with executemany (a transaction per table, or per
BATCH documents), because a seed needs what the data-editing path cannot give: `_creationTime`s spread
over the past weeks and ids minted deterministically from the seed. Every document still passes
`documents.check_fields`, and bodies are encoded with the same `export_line` the editing path uses.

Profiles: `<app>[-prod|-dev]`, where <app> is `demo` (= `tasks`), `tasks`, `shop`, `chat` or `crm`.
A dev deployment holds less data (DEV_SCALE), test-looking names and local settings.
"""

from __future__ import annotations

import bisect
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from tui.archive.ids import encode_id
from tui.values.encoding import export_line
from tui.archive.writer import storage_index_line
from tui.emulator.deployment import environment
from tui.emulator.deployment.database import Database
from tui.emulator.demo.apps import FLAVOURS
from tui.emulator.demo.maker import ABSENT, DAY_MS, Flavour, Maker, NoCandidate, TableSpec, compact, file_content
from tui.emulator.deployment.deployment import Deployment
from tui.emulator.deployment.documents import check_fields
from tui.emulator.deployment.file_storage import put_blob
from tui.emulator.deployment.tables import (
    STORAGE_TABLE,
    active_tablets,
    count_documents,
    drop_tablet,
    ensure_active,
    purge_dropped,
)

DEV_SCALE = 0.4  # dev deployments are smaller than prod ones
HISTORY_DAYS = 42  # `_creationTime`s spread over the past six weeks
FILES_AT_SCALE_1 = 30
BATCH = 5000  # documents per transaction
_INSERT = "INSERT INTO documents(tablet, id, creation_time, body, blob) VALUES (?, ?, ?, ?, ?)"
PROFILES = tuple(f"{app}{tier}" for app in ("demo", *FLAVOURS) for tier in ("", "-prod", "-dev"))


class SeedError(Exception):
    """The deployment cannot be seeded as asked (it already holds data)."""


@dataclass(frozen=True)
class SeededFile:
    storage_id: str
    content_type: str
    size: int


@dataclass
class SeedSummary:
    deployment: str
    profile: str
    app: str  # the flavour's name: tasks, shop, chat or crm
    tier: str  # prod or dev
    seed: int
    tables: dict[str, int]  # documents per table, in dependency order
    files: list[SeededFile] = field(default_factory=list)
    env_vars: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def documents(self) -> int:
        return sum(self.tables.values())

    def describe(self) -> str:
        size = sum(f.size for f in self.files)
        return (
            f"Seeded {self.deployment} with {FLAVOURS[self.app].title} ({self.tier}): {self.documents:,} documents "
            f"in {len(self.tables)} tables, {len(self.files)} files ({size:,} bytes), "
            f"{len(self.env_vars)} environment variables, in {self.seconds:.2f} s"
        )


def parse_profile(profile: str) -> tuple[Flavour, str]:
    """`demo-dev` -> (the tasks flavour, "dev"); raises ValueError naming the valid profiles."""
    app, tier = profile.strip().lower(), "prod"
    for suffix in ("-prod", "-dev"):
        if app.endswith(suffix):
            app, tier = app[: -len(suffix)], suffix[1:]
    app = "tasks" if app == "demo" else app
    if app not in FLAVOURS:
        raise ValueError(
            f"Unknown demo profile {profile!r}: use one of {', '.join(sorted(FLAVOURS))} or demo (= tasks), "
            "optionally followed by -prod or -dev, e.g. demo-dev or shop-prod."
        )
    return FLAVOURS[app], tier


def populated_tables(db: Database) -> dict[str, int]:
    """Tables (any component, `_storage` included) that hold at least one document, with their counts."""
    conn = db.connection()
    counts = {}
    for tablet in active_tablets(conn):
        count = count_documents(conn, tablet.tablet)
        if count:
            counts[f"{tablet.component}/{tablet.name}" if tablet.component else tablet.name] = count
    return counts


def clear_deployment(deployment: Deployment) -> list[str]:
    """Drop every table (files included), one transaction per table, then reclaim the rows."""
    db = deployment.db
    cleared = []
    for tablet in active_tablets(db.connection()):
        with db.write() as txn:
            drop_tablet(txn, tablet.tablet)
        cleared.append(tablet.name)
    purge_dropped(db)  # the same clean-up a restart does; an open export snapshot keeps its view
    return cleared


class _SeedMaker(Maker):
    """References come from what was seeded before, preferring documents created earlier."""

    def __init__(self, rng: random.Random, *, dev: bool):
        super().__init__(rng, dev=dev)
        self._pools: dict[str, tuple[list[float], list[str]]] = {}

    def add(self, key: str, created: float, doc_id: str) -> None:
        times, ids = self._pools.setdefault(key, ([], []))
        times.append(created)  # callers add in creation order, so each pool stays sorted
        ids.append(doc_id)

    def _choose(self, key: str) -> str | None:
        times, ids = self._pools.get(key, ((), ()))
        if not ids:
            return None
        earlier = bisect.bisect_left(times, self.now_ms)
        return ids[self.rng.randrange(earlier or min(len(ids), 5))]  # none earlier: one of the first few

    def pick(self, table: str) -> str:
        chosen = self._choose(table)
        if chosen is None:
            raise NoCandidate(table)
        return chosen

    def file(self, kind: str | None = None) -> str:
        return self._choose(f"{STORAGE_TABLE}:{kind or 'any'}") or ABSENT


def _creation_times(rng: random.Random, count: int, start_ms: float, end_ms: float) -> list[float]:
    """Sorted times, denser towards now (apps grow); ms with a fraction, as Convex writes them."""
    span = end_ms - start_ms
    return sorted(round(start_ms + span * rng.random() ** 0.5, 3) for _ in range(count))


def _mint_id(rng: random.Random, table_number: int, created_ms: float) -> str:
    """Like `ids.new_id` (14 random bytes, then the day number), but from the seeded generator."""
    day = int(created_ms // DAY_MS) & 0xFFFF
    return encode_id(table_number, rng.randbytes(14) + day.to_bytes(2, "big"))


def _seed_files(db: Database, maker: _SeedMaker, count: int, start_ms: float, end_ms: float) -> list[SeededFile]:
    """Files first, so documents can reference them: PNG images, JSON reports, text and CSV."""
    rng = maker.rng
    files = []
    with db.write() as txn:
        tablet = ensure_active(txn, "", STORAGE_TABLE)
        for created in _creation_times(rng, count, start_ms, end_ms):
            maker.now_ms = created
            kind = maker.one(("image", "image", "json", "text"))
            data, content_type = file_content(maker, kind)
            internal_id = str(uuid.UUID(bytes=rng.randbytes(16), version=4))
            if txn.execute("SELECT 1 FROM blobs WHERE internal_id = ?", (internal_id,)).fetchone():
                internal_id = str(uuid.uuid4())  # only when leftovers of an earlier seed share the id
            _, sha256 = put_blob(txn, internal_id, [data], len(data))
            meta: dict[str, Any] = {
                "_id": _mint_id(rng, tablet.number, created),
                "_creationTime": created,
                "sha256": sha256,
                "size": len(data),
                "contentType": content_type,
                "internalId": internal_id,
            }
            txn.execute(_INSERT, (tablet.tablet, meta["_id"], created, storage_index_line(meta), internal_id))
            for key in (kind, "any"):
                maker.add(f"{STORAGE_TABLE}:{key}", created, meta["_id"])
            files.append(SeededFile(meta["_id"], content_type, len(data)))
    return files


def _seed_table(db: Database, maker: _SeedMaker, spec: TableSpec, count: int, start_ms: float, end_ms: float) -> int:
    times = _creation_times(maker.rng, count, start_ms, end_ms)
    for first in range(0, len(times), BATCH):
        with db.write() as txn:
            tablet = ensure_active(txn, "", spec.name)
            rows = []
            for created in times[first : first + BATCH]:
                maker.now_ms = created
                fields = compact(spec.make(maker))
                check_fields(fields)
                doc_id = _mint_id(maker.rng, tablet.number, created)
                body = export_line({"_id": doc_id, "_creationTime": created, **fields})
                rows.append((tablet.tablet, doc_id, created, body, None))
                maker.add(spec.name, created, doc_id)
            txn.conn.executemany(_INSERT, rows)
    return count


def seed_deployment(
    deployment: Deployment,
    *,
    profile: str = "demo",
    seed: int = 0,
    scale: float = 1.0,
    replace: bool = False,
) -> SeedSummary:
    """Fill `deployment` with the demo app `profile` names; the same seed gives the same data.

    Refuses (SeedError) when the deployment already holds documents or files, unless `replace`, which
    first drops every table. Times are relative to `deployment.clock`; ids, values and file contents
    depend only on (profile, seed, scale) and the deployment's table numbers (10001... when fresh).
    """
    flavour, tier = parse_profile(profile)
    if not scale > 0:
        raise ValueError(f"scale must be positive, not {scale!r}")
    started = time.monotonic()
    existing = populated_tables(deployment.db)
    if existing and not replace:
        listing = ", ".join(f"{name} ({count:,})" for name, count in sorted(existing.items()))
        raise SeedError(
            f"Deployment {deployment.name} already has data: {listing}. "
            "Seeding would mix two data sets; seed with replace=True to clear it first."
        )
    if existing:
        clear_deployment(deployment)

    rng = random.Random(f"{flavour.name}:{tier}:{seed}:{scale}")
    maker = _SeedMaker(rng, dev=tier == "dev")
    size = scale * (DEV_SCALE if tier == "dev" else 1.0)
    end_ms = deployment.clock.now_ns() / 1e6
    start_ms = end_ms - HISTORY_DAYS * DAY_MS
    files = _seed_files(deployment.db, maker, max(3, round(FILES_AT_SCALE_1 * size)), start_ms, end_ms)
    tables = {
        spec.name: _seed_table(deployment.db, maker, spec, max(1, round(spec.count * size)), start_ms, end_ms)
        for spec in flavour.tables
    }
    env = flavour.env_vars(dev=tier == "dev")
    changes = [environment.Change(name, value) for name, value in env.items()]
    environment.apply_changes(deployment.db, changes, now_s=deployment.clock.now())
    return SeedSummary(
        deployment=deployment.name,
        profile=profile,
        app=flavour.name,
        tier=tier,
        seed=seed,
        tables=tables,
        files=files,
        env_vars=sorted(env),
        seconds=time.monotonic() - started,
    )
