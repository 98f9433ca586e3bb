"""Live query values over a deployment's sync WebSocket (cli-wire 3), so a service can watch an export or
an import change instead of polling.

Each subscription is one connection, as the CLI does it: open `ws(s)://<host>/api/<version>/sync`, send
Connect, Authenticate (Admin) and ModifyQuerySet at once, then read Transitions and yield the query's value
each time it changes. Server Pings need no answer (any message resets the inactivity timer); after
`inactivity_timeout` of silence, or when the connection drops, it reconnects with backoff and resubscribes
(bounded attempts; a healthy Transition resets the count). Closing sends `Remove` and a close frame.

The admin key travels inside the Authenticate frame: frames are never logged (the websockets library's
frame logger is given a logger that does not log at DEBUG).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import struct
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit, urlunsplit

import orjson
import websockets
from websockets.asyncio.client import ClientConnection, connect

from tui.api.deployment.models import Export, SnapshotImport
from tui.api.errors import AuthError, NetworkError, ProtocolError, function_error
from tui.api.transport.http import RetryPolicy, Sleep, target_for_url
from tui.api.transport.clients import CONVEX_CLIENT, USER_AGENT
from tui.api.transport.proxies import ProxyRoutes
from tui.api.secrets import Secret, scrub
from tui.values.encoding import ConvexValueError, decode_encoded_value, encode_json_value

log = logging.getLogger("tui.api.sync")
# The websockets library logs every frame at DEBUG, and the Authenticate frame holds the admin key: its
# logger never logs below INFO, and drops any record that quotes a frame carrying a credential.
_FRAME_LOG = logging.getLogger("tui.api.sync.frames")
_FRAME_LOG.setLevel(logging.INFO)
_FRAME_LOG.addFilter(
    lambda record: (
        "Authenticate" not in str(record.msg)
        and not any("Authenticate" in str(arg) for arg in (record.args if isinstance(record.args, tuple) else ()))
    )
)

CLIENT_VERSION = "1.48.0"  # the sync path's version segment; servers accept any
QUERY_ID = 0
MAX_MESSAGE_BYTES = 64 << 20  # system function results may be up to 24 MiB
ZERO_VERSION = {"querySet": 0, "identity": 0, "ts": "AAAAAAAAAAA="}
DEFAULT_RECONNECT = RetryPolicy(attempts=6, base_delay=0.5, max_delay=10.0)

T = TypeVar("T")


class _Reconnect(Exception):
    """This connection is unusable (dropped, silent, out of step); open a new one."""


def sync_url(deployment_url: str, version: str = CLIENT_VERSION) -> str:
    parts = urlsplit(deployment_url.rstrip("/"))
    scheme = {"https": "wss", "http": "ws"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, f"{parts.path}/api/{version}/sync", "", ""))


def _ts(version: Mapping[str, Any]) -> int | None:
    try:
        ts: int = struct.unpack("<Q", base64.b64decode(version["ts"]))[0]
        return ts
    except (KeyError, TypeError, ValueError, struct.error):
        return None


class SyncClient:
    """Opens subscriptions on one deployment: `async with sync.subscribe(path, args) as values:`."""

    def __init__(
        self,
        url: str,
        admin_key: str | Secret,
        *,
        name: str | None = None,
        version: str = CLIENT_VERSION,
        open_timeout: float = 10.0,
        inactivity_timeout: float = 60.0,
        reconnect: RetryPolicy = DEFAULT_RECONNECT,
        sleep: Sleep = asyncio.sleep,
    ):
        self.url = url.rstrip("/")
        self.ws_url = sync_url(self.url, version)
        parts = urlsplit(self.ws_url)
        # websockets would read the proxy variables itself, but without sparing loopback (the sandbox).
        routes = ProxyRoutes()
        self.proxy = routes.for_url(parts.scheme, parts.hostname or "", parts.port)
        self._proxy_passwords = routes.passwords
        self._admin_key = Secret(admin_key)
        self.target = target_for_url(self.url, name)
        self.open_timeout = open_timeout
        self.inactivity_timeout = inactivity_timeout
        self.reconnect = reconnect
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"SyncClient({self.url!r})"

    def subscribe(self, path: str, args: Mapping[str, Any] | None = None) -> Subscription[Any]:
        """The values of query `path` (Python values, Int64 as int), each time it changes."""
        return Subscription(self, path, dict(args or {}), lambda value: value)

    def watch_import(self, import_id: str) -> Subscription[SnapshotImport | None]:
        return Subscription(
            self,
            "_system/cli/queryImport",
            {"importId": import_id},
            lambda v: SnapshotImport.from_json(v) if v is not None else None,
        )

    def watch_imports(self) -> Subscription[list[SnapshotImport]]:
        return Subscription(
            self,
            "_system/frontend/snapshotImport:list",
            {},
            lambda v: [SnapshotImport.from_json(i) for i in (v or [])],
        )

    def watch_latest_export(self) -> Subscription[Export | None]:
        return Subscription(
            self, "_system/cli/exports:getLatest", {}, lambda v: Export.from_json(v) if v is not None else None
        )

    def watch_latest_cloud_export(self) -> Subscription[Export | None]:
        return Subscription(
            self,
            "_system/frontend/latestExport:latestCloudExport",
            {},
            lambda v: Export.from_json(v) if v is not None else None,
        )

    # frames ----------------------------------------------------------------------------------------
    def _authenticate_frame(self) -> str:
        """Built at the moment it is sent, so no local variable of a caller holds the key."""
        return orjson.dumps(
            {"type": "Authenticate", "tokenType": "Admin", "value": self._admin_key.reveal(), "baseVersion": 0}
        ).decode()

    def _scrub(self, text: str) -> str:
        return scrub(text, [self._admin_key, *self._proxy_passwords])


class Subscription(Generic[T]):
    """A query's successive values: an async iterator (`async for value in subscription`) with `next(timeout)`,
    and an async context manager that ends it. The connection runs in a background task from the first read
    (or `async with`) on, so a slow reader or a `next` that times out does not disturb it."""

    def __init__(self, client: SyncClient, path: str, args: dict[str, Any], parse: Callable[[Any], T]):
        self._client = client
        self.path = path if ":" in path else f"{path}:default"
        self._args = args
        self._parse = parse
        self._queue: asyncio.Queue[tuple[bool, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.connections = 0  # connections opened so far (1 + reconnects)

    def __repr__(self) -> str:
        return f"Subscription({self.path!r} on {self._client.url!r})"

    async def __aenter__(self) -> Subscription[T]:
        self._start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __aiter__(self) -> Subscription[T]:
        return self

    async def __anext__(self) -> T:
        return await self.next()

    async def next(self, timeout: float | None = None) -> T:
        """The next changed value, waiting at most `timeout` seconds (`TimeoutError` after that, and the
        subscription carries on). Raises the error that ended the subscription once, then
        `StopAsyncIteration` (also after `aclose`)."""
        if self._closed and self._queue.empty():
            raise StopAsyncIteration
        self._start()
        async with asyncio.timeout(timeout):  # not `wait_for`: see `_receive`
            is_value, item = await self._queue.get()
        if is_value:
            value: T = item
            return value
        self._closed = True
        raise item

    async def aclose(self) -> None:
        """Remove the query and close the connection."""
        self._closed = True
        if self._task is not None and not self._task.done():
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    def _start(self) -> None:
        if self._task is None and not self._closed:
            self._task = asyncio.create_task(self._pump(), name=f"sync {self.path}")

    async def _pump(self) -> None:
        try:
            await self._run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # handed to the reader, who re-raises it
            self._queue.put_nowait((False, exc))

    # -- the connection loop ------------------------------------------------------------------------------
    async def _run(self) -> None:
        client = self._client
        session_id = str(uuid.uuid4())
        close_reason = "InitialConnect"
        max_ts: int | None = None
        failures = 0
        last_raw: bytes | None = None
        while True:
            try:
                async with connect(
                    client.ws_url,
                    proxy=client.proxy,
                    open_timeout=client.open_timeout,
                    close_timeout=2,
                    max_size=MAX_MESSAGE_BYTES,
                    additional_headers={"Convex-Client": CONVEX_CLIENT},
                    user_agent_header=USER_AGENT,
                    logger=_FRAME_LOG,
                ) as ws:
                    self.connections += 1
                    await self._hello(ws, session_id, close_reason, max_ts)
                    version: Any = dict(ZERO_VERSION)
                    try:
                        while True:
                            message = await self._receive(ws)
                            kind = message.get("type")
                            if kind == "Transition":
                                if message.get("startVersion") != version:
                                    raise _Reconnect("a Transition did not follow the previous one")
                                version = message.get("endVersion")
                                max_ts = _ts(version) or max_ts
                                failures = 0
                                for raw in self._query_values(message):
                                    if raw != last_raw:
                                        last_raw = raw
                                        self._queue.put_nowait((True, self._decode(raw)))
                            elif kind == "AuthError":
                                raise AuthError(
                                    f"The admin key was rejected by {client.target} (sync connection): get a fresh "
                                    "one from the dashboard or your self-hosted backend.",
                                    code="BadAdminKey",
                                    detail=str(message.get("error", "")),
                                    secrets=[client._admin_key],
                                )
                            elif kind == "FatalError":
                                raise _Reconnect(client._scrub(str(message.get("error", "fatal error"))))
                            # Ping and anything else: receiving it was enough.
                    except asyncio.CancelledError:
                        await self._goodbye(ws)
                        raise
            except (_Reconnect, websockets.exceptions.WebSocketException, OSError, TimeoutError) as exc:
                failures += 1
                reason = client._scrub(f"{type(exc).__name__}: {exc}")
                if failures >= client.reconnect.attempts:
                    raise NetworkError(
                        f"Lost the live connection to {client.target} and could not reconnect ({reason}): "
                        "check that the deployment is running and reachable.",
                        code="SyncDisconnected",
                        detail=reason,
                        secrets=[client._admin_key],
                    ) from None
                close_reason = reason[:200]
                delay = client.reconnect.backoff(failures)
                log.info("sync %s: %s; reconnecting in %.1f s", self.path, reason, delay)
                await client._sleep(delay)

    async def _hello(self, ws: ClientConnection, session_id: str, close_reason: str, max_ts: int | None) -> None:
        connect_frame: dict[str, Any] = {
            "type": "Connect",
            "sessionId": session_id,
            "connectionCount": self.connections - 1,
            "lastCloseReason": close_reason,
            "clientTs": int(time.time() * 1000),
        }
        if max_ts is not None:
            connect_frame["maxObservedTimestamp"] = base64.b64encode(struct.pack("<Q", max_ts)).decode()
        await ws.send(orjson.dumps(connect_frame).decode())
        await ws.send(self._client._authenticate_frame())
        add = {"type": "Add", "queryId": QUERY_ID, "udfPath": self.path, "args": [encode_json_value(self._args)]}
        await ws.send(
            orjson.dumps({"type": "ModifyQuerySet", "baseVersion": 0, "newVersion": 1, "modifications": [add]}).decode()
        )

    async def _receive(self, ws: ClientConnection) -> dict[str, Any]:
        # `asyncio.timeout`, not `wait_for`: on Python 3.11, a cancel (`aclose`) landing in the turn of the loop in
        # which a frame arrived was dropped by `wait_for` in favour of the frame, and the connection lived on.
        try:
            async with asyncio.timeout(self._client.inactivity_timeout):
                raw = await ws.recv()
        except TimeoutError:
            raise _Reconnect(f"no message for {self._client.inactivity_timeout:.0f} s") from None
        try:
            message = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise _Reconnect("a frame that is not JSON") from None
        return message if isinstance(message, dict) else {}

    def _query_values(self, transition: dict[str, Any]) -> list[bytes]:
        """The encoded new values of our query in a Transition; raises for QueryFailed."""
        values = []
        for change in transition.get("modifications") or []:
            if not isinstance(change, dict) or change.get("queryId") != QUERY_ID:
                continue
            if change.get("type") == "QueryUpdated":
                values.append(orjson.dumps(change.get("value"), option=orjson.OPT_SORT_KEYS))
            elif change.get("type") == "QueryFailed":
                raise function_error(
                    str(change.get("errorMessage") or "unknown error"),
                    change.get("errorData"),
                    target=self._client.target,
                    path=self.path,
                    secrets=[self._client._admin_key],
                )
        return values

    def _decode(self, raw: bytes) -> T:
        try:
            return self._parse(decode_encoded_value(orjson.loads(raw)))
        except ConvexValueError as exc:
            raise ProtocolError(f"{self._client.target} sent an invalid Convex value for {self.path}: {exc}") from None

    async def _goodbye(self, ws: ClientConnection) -> None:
        """Remove the query and close, without waiting for the server's reply (as the CLI does)."""
        remove = {
            "type": "ModifyQuerySet",
            "baseVersion": 1,
            "newVersion": 2,
            "modifications": [{"type": "Remove", "queryId": QUERY_ID}],
        }
        try:
            await asyncio.wait_for(ws.send(orjson.dumps(remove).decode()), 2)
        except (websockets.exceptions.WebSocketException, OSError, TimeoutError):
            pass
