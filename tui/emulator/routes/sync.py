"""The WebSocket sync protocol (cli-wire 3) at `/api/<any version>/sync` and the unversioned `/api/sync`
(Convex serves both; the official Python and Rust clients use the latter): how the CLI reads
export, import and env state, and how `convex/browser` and the Python client run functions.

Authenticate and ModifyQuerySet are handled as Convex's sync worker handles them (tui/emulator/README.md);
a Mutation or Action runs and is answered with a `MutationResponse`/`ActionResponse` (an error for a
missing function), followed, as Convex schedules it, by a Transition at a timestamp at or past the
mutation's: `convex/browser` resolves a mutation only once its query set has reached that timestamp.
Connect and Event need no answer.

Each connection is one task. It waits for the next client frame, a commit (the deployment's change feed)
or the Ping deadline, whichever comes first. Queries run in a worker thread, all of a connection's queries
at one snapshot, and a Transition carries only the queries whose encoded result changed.

The admin key arrives inside the Authenticate frame, so frames are never logged.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import struct
import time
from collections.abc import Sequence, Set as AbstractSet
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from tui.values.encoding import encode_json_value
from tui.emulator.deployment.auth import AdminIdentity
from tui.emulator.deployment.deployment import Deployment
from tui.emulator.errors import ConvexError
from tui.emulator.routes.common import in_thread
from tui.emulator.routes.functions import FunctionOutcome, canonical_path, run_function, run_queries_at_one_snapshot

log = logging.getLogger(__name__)

# The client drops a socket after 60 s of silence; tests shorten the interval through the environment.
PING_INTERVAL_S = float(os.environ.get("CONVEX_BACKUPS_SYNC_PING_INTERVAL", "15"))
COALESCE_S = 0.05  # commits arriving this close together cause one re-run, not many
# A rejected admin key leaves the socket open but powerless: every system function then refuses with
# "You do not have permission to perform this operation", which the CLI prints as is.
REJECTED_KEY = AdminIdentity(frozenset())


def encode_ts(ts: int) -> str:
    """A u64 as the protocol sends it: base64 of 8 little-endian bytes."""
    return base64.b64encode(struct.pack("<Q", ts)).decode("ascii")


@dataclass
class Subscription:
    path: str | None  # canonical `module:export`; None when the udfPath could not be parsed
    args: Any
    path_error: str = ""
    last_result: bytes | None = None  # the encoded modification last sent, to detect changes


class _Closed(Exception):
    """The client went away; end the session quietly."""


class SyncSession:
    def __init__(self, websocket: WebSocket, deployment: Deployment):
        self.ws = websocket
        self.deployment = deployment
        self.identity: AdminIdentity | None = None
        self.version = {"querySet": 0, "identity": 0, "ts": 0}  # the last endVersion sent
        self.subscriptions: dict[int, Subscription] = {}
        self.seen_change = deployment.changes.version
        self.last_sent = time.monotonic()

    # -- the connection's single loop ---------------------------------------------------------------
    async def run(self) -> None:
        receive = asyncio.ensure_future(self.ws.receive())
        changed = asyncio.ensure_future(self._next_change())
        try:
            while True:
                silence_left = max(0.0, self.last_sent + PING_INTERVAL_S - time.monotonic())
                done, _ = await asyncio.wait(
                    {receive, changed}, timeout=silence_left, return_when=asyncio.FIRST_COMPLETED
                )
                if receive in done:
                    frame = receive.result()
                    if frame["type"] == "websocket.disconnect":
                        return
                    if not await self._handle(frame.get("text") or frame.get("bytes")):
                        return
                    receive = asyncio.ensure_future(self.ws.receive())
                if changed in done:
                    if self.subscriptions:
                        await self._transition(force=False)
                    else:
                        self.seen_change = self.deployment.changes.version
                    changed = asyncio.ensure_future(self._next_change())
                if time.monotonic() - self.last_sent >= PING_INTERVAL_S:
                    await self._send({"type": "Ping"})
        except (_Closed, WebSocketDisconnect):
            return
        finally:
            receive.cancel()
            changed.cancel()

    async def _next_change(self) -> None:
        feed = self.deployment.changes
        while feed.version == self.seen_change:
            await feed.wait_past(self.seen_change, 3600)
        await asyncio.sleep(COALESCE_S)

    async def _send(self, message: dict[str, Any]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except (OSError, RuntimeError, WebSocketDisconnect):
            raise _Closed from None
        self.last_sent = time.monotonic()

    # -- client messages --------------------------------------------------------------------------------
    async def _handle(self, raw: str | bytes | None) -> bool:
        """Handle one frame; False ends the session."""
        try:
            message = orjson.loads(raw or b"")
        except orjson.JSONDecodeError:
            log.warning("ignoring a sync frame that is not JSON")
            return True
        if not isinstance(message, dict):
            return True
        kind = message.get("type")
        if kind == "Authenticate":
            await self._authenticate(message)
        elif kind == "ModifyQuerySet":
            return await self._modify_query_set(message)
        elif kind in ("Mutation", "Action"):
            await self._run(kind, message)
        return True  # Connect, Event: nothing to answer

    async def _run(self, kind: str, message: dict[str, Any]) -> None:
        """One Mutation or Action: its response, then a Transition to the timestamp after it."""
        request_id = message.get("requestId")
        try:
            path = canonical_path(message.get("udfPath"))
        except ConvexError as exc:
            outcome, ts = FunctionOutcome(False, error_message=exc.message), None
        else:
            function_kind = kind.lower()
            outcome, ts = await in_thread(
                _run_one, self.deployment, self.identity, path, message.get("args"), function_kind
            )
        response: dict[str, Any] = {
            "type": f"{kind}Response",
            "requestId": request_id,
            "success": outcome.ok,
            "logLines": [],
        }
        if outcome.ok:
            response["result"] = encode_json_value(outcome.value)
        else:
            response["result"] = outcome.error_message
            if outcome.error_data is not None:
                response["errorData"] = encode_json_value(outcome.error_data)
        if kind == "Mutation":  # Convex sends the key either way, null for a failure
            response["ts"] = encode_ts(ts) if outcome.ok and ts is not None else None
        await self._send(response)
        await self._transition(force=True)

    async def _authenticate(self, message: dict[str, Any]) -> None:
        base = message.get("baseVersion")
        base = base if isinstance(base, int) else self.version["identity"]
        token_type, value = message.get("tokenType"), message.get("value")
        if token_type == "Admin":
            identity = self.deployment.keys.identify(value.strip()) if isinstance(value, str) else None
            if identity is None:
                self.identity = REJECTED_KEY
                await self._send(
                    {
                        "type": "AuthError",
                        "error": "The admin key is not valid for this deployment.",
                        "baseVersion": base,
                        "authUpdateAttempted": True,
                    }
                )
                if self.subscriptions:
                    await self._transition(force=False)
                return
            self.identity = identity
        elif token_type == "None":
            self.identity = None
        else:  # a user token (JWT): the emulator has no auth providers, and users are never admins
            self.identity = None
            await self._send(
                {
                    "type": "AuthError",
                    "error": "No auth provider found matching the given token.",
                    "baseVersion": base,
                    "authUpdateAttempted": True,
                }
            )
            return
        await self._transition(force=True, identity=base + 1)

    async def _modify_query_set(self, message: dict[str, Any]) -> bool:
        base, new = message.get("baseVersion"), message.get("newVersion")
        modifications = message.get("modifications")
        if base != self.version["querySet"] or not isinstance(new, int) or not isinstance(modifications, list):
            await self._send({"type": "FatalError", "error": "ModifyQuerySet does not follow the current query set."})
            return False
        added: set[int] = set()
        removed: list[int] = []
        for change in modifications:
            query_id = change.get("queryId") if isinstance(change, dict) else None
            if not isinstance(query_id, int):
                continue
            if change.get("type") == "Add":
                self.subscriptions[query_id] = _subscription(change.get("udfPath"), change.get("args"))
                added.add(query_id)
                if query_id in removed:  # removed, then added again in the same modification
                    removed.remove(query_id)
            elif change.get("type") == "Remove" and self.subscriptions.pop(query_id, None) is not None:
                removed.append(query_id)
                added.discard(query_id)
        await self._transition(force=True, query_set=new, added=added, removed=removed)
        return True

    # -- transitions -------------------------------------------------------------------------------------
    async def _transition(
        self,
        *,
        force: bool,
        query_set: int | None = None,
        identity: int | None = None,
        added: AbstractSet[int] = frozenset(),
        removed: Sequence[int] = (),
    ) -> None:
        """Re-run every subscription at one snapshot; send what changed (or everything new)."""
        self.seen_change = self.deployment.changes.version  # commits after this trigger another run
        subscriptions = dict(self.subscriptions)
        ts, results = await in_thread(_evaluate, self.deployment, self.identity, subscriptions)
        modifications = []
        for query_id, encoded in results.items():
            subscription = self.subscriptions.get(query_id)
            if subscription is None:  # removed while the queries ran
                continue
            if query_id in added or encoded != subscription.last_result:
                subscription.last_result = encoded
                modifications.append({"queryId": query_id, **orjson.loads(encoded)})
        modifications += [{"type": "QueryRemoved", "queryId": query_id} for query_id in removed]
        if not modifications and not force:
            return
        end = {
            "querySet": self.version["querySet"] if query_set is None else query_set,
            "identity": self.version["identity"] if identity is None else identity,
            "ts": max(self.version["ts"], ts),  # never backwards
        }
        await self._send(
            {
                "type": "Transition",
                "startVersion": _wire_version(self.version),
                "endVersion": _wire_version(end),
                "modifications": modifications,
            }
        )
        self.version = end


def _subscription(udf_path: Any, args: Any) -> Subscription:
    try:
        return Subscription(canonical_path(udf_path), args)
    except ConvexError as exc:
        return Subscription(None, args, path_error=exc.message)


def _wire_version(version: dict[str, int]) -> dict[str, Any]:
    return {**version, "ts": encode_ts(version["ts"])}


def _evaluate(
    deployment: Deployment, identity: AdminIdentity | None, subscriptions: dict[int, Subscription]
) -> tuple[int, dict[int, bytes]]:
    """Worker thread: run the queries at one snapshot; each result as its encoded modification."""
    runnable = {qid: (s.path, s.args) for qid, s in subscriptions.items() if s.path is not None}
    ts, outcomes = run_queries_at_one_snapshot(deployment, identity, list(runnable.values()))
    results = dict(zip(runnable, outcomes))
    for query_id, subscription in subscriptions.items():
        if subscription.path is None:
            results[query_id] = FunctionOutcome(False, error_message=subscription.path_error)
    return ts, {query_id: _encode_modification(outcome) for query_id, outcome in results.items()}


def _run_one(
    deployment: Deployment, identity: AdminIdentity | None, path: str, raw_args: Any, kind: str
) -> tuple[FunctionOutcome, int]:
    """Worker thread: run a mutation or action; its outcome and the deployment's timestamp after it."""
    outcome = run_function(deployment, identity, path, raw_args, kind)
    row = deployment.db.connection().execute("SELECT value FROM meta WHERE key = 'ts'").fetchone()
    return outcome, int(row[0]) if row else 0


def _encode_modification(outcome: FunctionOutcome) -> bytes:
    if outcome.ok:
        body = {"type": "QueryUpdated", "value": encode_json_value(outcome.value), "logLines": [], "journal": None}
    else:
        data = None if outcome.error_data is None else encode_json_value(outcome.error_data)
        body = {
            "type": "QueryFailed",
            "errorMessage": outcome.error_message,
            "logLines": [],
            "errorData": data,
            "journal": None,
        }
    return orjson.dumps(body)


async def sync_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()  # no subprotocol, no extensions: the client sends plain text frames
    await SyncSession(websocket, websocket.app.state.deployment).run()


def routes() -> list[WebSocketRoute]:
    return [WebSocketRoute("/api/sync", sync_endpoint), WebSocketRoute("/api/{version}/sync", sync_endpoint)]
