"""Background write traffic on demo deployments, so the sandbox looks alive and backups run under load.

One thread writes to the deployments in turn at a steady overall rate. Each write is its own transaction
through the data-editing code paths (`documents.insert`, `locate` + `write_back`, `delete`;
`file_storage.store_file`, `delete_file`), and new documents look like the seeded ones (`apps`).

The writes keep one invariant that a backup can be checked against: every reference points at a live
document or file. New references are picked inside the writing transaction from live documents;
documents are deleted only from tables nothing references (`Flavour.leaves`); a file is deleted only
when no document mentions its id, checked in the deleting transaction.

Writes do not pause for imports: a replacing import swaps its tables in atomically, as on Convex.
Stop the generator, or `remove()` a deployment from it, before stopping that deployment.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
import time
from collections.abc import Sequence

import orjson

from tui.archive.ids import encode_id
from tui.emulator.deployment import backend_state
from tui.emulator.deployment import documents
from tui.emulator.deployment import file_storage
from tui.emulator.demo.apps import detect_flavour
from tui.emulator.demo.maker import (
    ABSENT,
    FILE_KINDS,
    Flavour,
    Maker,
    NoCandidate,
    TableSpec,
    compact,
    file_content,
    kind_of,
)
from tui.emulator.deployment.deployment import Deployment
from tui.emulator.deployment.tables import STORAGE_TABLE, Tablet, active_tablets, find_active

log = logging.getLogger(__name__)

FLAVOUR_RECHECK_S = 2.0  # tables may appear later (seeded or imported while traffic runs)
MAX_BACKLOG_S = 1.0  # after a stall, catch up at most this much instead of bursting
OPERATION_WEIGHTS = {"insert": 40, "update": 40, "delete": 20}  # leaf tables grow slowly, as in a live app
FILE_DELETE_CANDIDATES = 4
COUNTERS = {
    "insert": "inserts",
    "update": "updates",
    "delete": "deletes",
    "upload": "uploads",
    "file_delete": "file_deletes",
}
_REFERENCED = (
    "SELECT 1 FROM documents d JOIN tablets t ON t.tablet = d.tablet WHERE t.state = 'active' "
    "AND t.component = '' AND t.name != ? AND instr(d.body, ?) > 0 LIMIT 1"
)


def random_document(conn: sqlite3.Connection, tablet: Tablet, rng: random.Random) -> str | None:
    """A uniformly random document id of `tablet`, in O(log n): ids sort by their random bytes."""
    probe = encode_id(tablet.number, rng.randbytes(16))
    query = "SELECT id FROM documents WHERE tablet = ? AND id >= ? ORDER BY id LIMIT 1"
    row = conn.execute(query, (tablet.tablet, probe)).fetchone()
    if row is None:  # past the last id: wrap around
        row = conn.execute("SELECT id FROM documents WHERE tablet = ? ORDER BY id LIMIT 1", (tablet.tablet,)).fetchone()
    return row[0] if row else None


class _LiveMaker(Maker):
    """References come from the live tables, read inside the writing transaction."""

    def __init__(self, conn: sqlite3.Connection, rng: random.Random, now_ms: float):
        super().__init__(rng)
        self.conn = conn
        self.now_ms = now_ms

    def pick(self, table: str) -> str:
        tablet = find_active(self.conn, "", table)
        doc_id = random_document(self.conn, tablet, self.rng) if tablet else None
        if doc_id is None:
            raise NoCandidate(table)
        return doc_id

    def file(self, kind: str | None = None) -> str:
        tablet = find_active(self.conn, "", STORAGE_TABLE)
        if tablet is None:
            return ABSENT
        rows = self.conn.execute(
            "SELECT id, body FROM documents WHERE tablet = ? ORDER BY random() LIMIT 16", (tablet.tablet,)
        ).fetchall()
        for storage_id, body in rows:
            if kind is None or kind_of(orjson.loads(body).get("contentType")) == kind:
                return storage_id
        return ABSENT


class TrafficGenerator:
    """Writes to `deployments` in turn, `writes_per_second` in all, until `stop()`.

    Every `upload_every`-th write to a deployment uploads a file, and as many others delete an
    unreferenced file (0 turns files off). Deployments without demo tables are skipped until they
    have them. Errors are logged and counted, never raised.
    """

    def __init__(
        self,
        deployments: Sequence[Deployment],
        *,
        writes_per_second: float = 20.0,
        seed: int | None = None,
        upload_every: int = 50,
    ):
        if not writes_per_second > 0:
            raise ValueError(f"writes_per_second must be positive, not {writes_per_second!r}")
        self.deployments = list(deployments)
        self.writes_per_second = writes_per_second  # read on every tick: it may be changed while running
        self.upload_every = upload_every
        self.inserts = self.updates = self.deletes = self.uploads = self.file_deletes = 0
        self.skipped = 0  # turns with nothing to write (no demo tables, or nothing to reference yet)
        self.errors = 0
        self.writes_by_deployment: dict[str, int] = {}
        self._rng = random.Random(seed)
        self._turn = 0
        self._turns_by_deployment: dict[int, int] = {}
        self._flavours: dict[int, tuple[float, Flavour | None]] = {}
        self._stop = threading.Event()
        self._step_lock = threading.Lock()  # held for one write; remove() waits on it
        self._thread: threading.Thread | None = None

    # -- life cycle ------------------------------------------------------------------------------
    def start(self) -> TrafficGenerator:
        if not self.running:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="sandbox-traffic", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Returns once the current write (milliseconds) is done; no write starts after this."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def add(self, deployment: Deployment) -> None:
        """Write to `deployment` too from now on (e.g. one created while the sandbox runs)."""
        if deployment not in self.deployments:
            self.deployments.append(deployment)

    def remove(self, deployment: Deployment) -> None:
        """Stop writing to `deployment`; when this returns no write to it is in flight, so it may be stopped."""
        if deployment in self.deployments:
            self.deployments.remove(deployment)
        with self._step_lock:
            pass

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> TrafficGenerator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def writes(self) -> int:
        return self.inserts + self.updates + self.deletes + self.uploads + self.file_deletes

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in (*COUNTERS.values(), "skipped", "errors")}

    def _run(self) -> None:
        next_at = time.monotonic()
        while not self._stop.is_set():
            delay = next_at - time.monotonic()
            if delay > 0 and self._stop.wait(delay):
                break
            next_at = max(next_at + 1.0 / self.writes_per_second, time.monotonic() - MAX_BACKLOG_S)
            self.step()

    # -- one write -------------------------------------------------------------------------------
    def step(self) -> str | None:
        """One write to the next deployment in turn; returns what it did ("insert", ...) or None."""
        with self._step_lock:
            return self._step()

    def _step(self) -> str | None:
        deployments = list(self.deployments)  # a copy: add() and remove() may run on other threads
        if not deployments:
            return None
        deployment = deployments[self._turn % len(deployments)]
        self._turn += 1
        turn = self._turns_by_deployment.get(id(deployment), 0)
        self._turns_by_deployment[id(deployment)] = turn + 1
        try:
            # The traffic stands for the app's own mutations, which a stopped deployment refuses.
            stopped = backend_state.is_stopped(backend_state.read(deployment.db.connection()))
            flavour = None if stopped else self._flavour(deployment)
            if flavour is not None:
                for operation in self._plan(turn):
                    try:
                        getattr(self, f"_{operation}")(deployment, flavour)
                    except NoCandidate:
                        continue  # e.g. nothing left to delete: fall back to the next operation
                    setattr(self, COUNTERS[operation], getattr(self, COUNTERS[operation]) + 1)
                    self.writes_by_deployment[deployment.name] = self.writes_by_deployment.get(deployment.name, 0) + 1
                    return operation
            self.skipped += 1
        except Exception as exc:  # a sandbox must survive anything a write runs into
            self.errors += 1
            if self.errors <= 5 or self.errors % 100 == 0:
                log.warning("Traffic on %s: a write failed (%d so far): %r", deployment.name, self.errors, exc)
        return None

    def _plan(self, turn: int) -> list[str]:
        every = self.upload_every
        if every and turn % every == every - 1:
            return ["upload"]
        if every and every > 1 and turn % every == every // 2 - 1:
            return ["file_delete", "insert"]
        operation = self._rng.choices(list(OPERATION_WEIGHTS), weights=list(OPERATION_WEIGHTS.values()))[0]
        return [operation] if operation == "insert" else [operation, "insert"]

    def _flavour(self, deployment: Deployment) -> Flavour | None:
        now = time.monotonic()
        checked = self._flavours.get(id(deployment))
        if checked is None or now - checked[0] > FLAVOUR_RECHECK_S:
            names = {t.name for t in active_tablets(deployment.db.connection(), "")}
            checked = (now, detect_flavour(names))
            self._flavours[id(deployment)] = checked
        return checked[1]

    def _table(self, specs: Sequence[TableSpec]) -> TableSpec:
        """Busy tables get most writes, as in a real app."""
        return self._rng.choices(specs, weights=[s.count for s in specs])[0]

    @staticmethod
    def _tablet(txn, name: str) -> Tablet:
        """The live table, never a new one: traffic writes only to tables that exist."""
        tablet = find_active(txn.conn, "", name)
        if tablet is None:
            raise NoCandidate(name)
        return tablet

    # -- operations: each raises NoCandidate (rolling back) when it has nothing to work on -----------
    def _insert(self, deployment: Deployment, flavour: Flavour) -> None:
        spec = self._table(flavour.tables)
        with deployment.db.write() as txn:
            self._tablet(txn, spec.name)
            fields = compact(spec.make(_LiveMaker(txn.conn, self._rng, txn.ts_ms)))
            documents.insert(txn, "", spec.name, fields, now_s=deployment.clock.now())

    def _update(self, deployment: Deployment, flavour: Flavour) -> None:
        """Like a dashboard patch: a few fields get fresh values (new references are live ones)."""
        spec = self._table(flavour.tables)
        with deployment.db.write() as txn:
            doc_id = random_document(txn.conn, self._tablet(txn, spec.name), self._rng)
            found = documents.locate(txn.conn, "", doc_id) if doc_id else None
            if found is None:
                raise NoCandidate(spec.name)
            tablet, old = found
            fresh = compact(spec.make(_LiveMaker(txn.conn, self._rng, old["_creationTime"])))
            changed = self._rng.sample(sorted(fresh), min(len(fresh), self._rng.randint(1, 3)))
            fields = {k: v for k, v in old.items() if k not in ("_id", "_creationTime")}
            fields.update({key: fresh[key] for key in changed})
            documents.check_fields(fields)
            documents.write_back(txn, tablet, {"_id": old["_id"], "_creationTime": old["_creationTime"], **fields})

    def _delete(self, deployment: Deployment, flavour: Flavour) -> None:
        spec = self._table([flavour.table(name) for name in flavour.leaves])
        with deployment.db.write() as txn:
            doc_id = random_document(txn.conn, self._tablet(txn, spec.name), self._rng)
            if doc_id is None or not documents.delete(txn, "", doc_id):
                raise NoCandidate(spec.name)

    def _upload(self, deployment: Deployment, flavour: Flavour) -> None:
        maker = _LiveMaker(deployment.db.connection(), self._rng, deployment.clock.now_ns() / 1e6)
        data, content_type = file_content(maker, self._rng.choice(FILE_KINDS))
        with deployment.db.write() as txn:
            file_storage.store_file(txn, "", [data], len(data), content_type, now_s=deployment.clock.now())

    def _file_delete(self, deployment: Deployment, flavour: Flavour) -> None:
        with deployment.db.write() as txn:
            storage = self._tablet(txn, STORAGE_TABLE)
            candidates = txn.execute(
                "SELECT id FROM documents WHERE tablet = ? ORDER BY random() LIMIT ?",
                (storage.tablet, FILE_DELETE_CANDIDATES),
            ).fetchall()
            for (storage_id,) in candidates:
                if txn.execute(_REFERENCED, (STORAGE_TABLE, storage_id.encode())).fetchone() is None:
                    file_storage.delete_file(txn, "", storage_id)
                    return
            raise NoCandidate(STORAGE_TABLE)
