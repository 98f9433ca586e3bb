"""The one place HTTP requests are made: httpx clients with timeouts on every phase, the `Convex-Client`
header, `{code, message}` errors turned into typed exceptions, and retries where they are safe.

Retry rules (the `Retry` a call passes):
- `Retry.NEVER`: one attempt, whatever happens. For requests that start work and must not start it twice
  (`request/zip`, `request_cloud_backup`, `restore_from_cloud_backup`, `finish_upload`, mutations).
- `Retry.SAFE` (the default for POST): retried on 429 and 503 (the server refused before doing anything)
  and when no connection could be made (nothing was sent).
- `Retry.IDEMPOTENT` (the default for GET/HEAD; POSTs whose repetition is harmless, such as `/api/query`
  and `perform_import`): additionally retried on 502/504, timeouts and connections that dropped.

Waits use exponential backoff with full jitter (a random wait between 0 and base * 2^attempt, capped) and
never less than the server's `Retry-After`. A `Retry-After` longer than the policy allows ends the retries
and raises `RateLimited`/`ServiceUnavailable` carrying `retry_after`, so a caller can tell the person.
Nothing logged here contains a credential: lines name the method, the path (no query) and the status.
"""

from __future__ import annotations

import asyncio
import email.utils
import enum
import functools
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from tui.api.credentials.checks import require_no_userinfo, require_sendable
from tui.api.errors import ConvexApiError, ProtocolError, Target, error_from_response
from tui.api.transport.clients import DEFAULT_TIMEOUT, build_blocking_client, build_client
from tui.api.transport.proxies import ProxyRoutes
from tui.api.transport.errors import transport_error
from tui.api.secrets import Secret, scrub

log = logging.getLogger("tui.api.transport.http")

ERROR_BODY_LIMIT = 64 * 1024  # bytes of an error body read (enough for any {code, message})

Sleep = Callable[[float], Awaitable[Any]]


class Retry(enum.Enum):
    NEVER = "never"
    SAFE = "safe"
    IDEMPOTENT = "idempotent"


_UNSENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)  # nothing reached the server
_ALWAYS_RETRIED_STATUS = frozenset({429, 503})
_IDEMPOTENT_RETRIED_STATUS = frozenset({502, 504})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # total attempts, including the first
    base_delay: float = 0.5  # seconds; the cap of the first wait
    max_delay: float = 20.0  # the cap of any backoff wait
    max_retry_after: float = 120.0  # a longer Retry-After is not waited for

    def backoff(self, retry_number: int, rng: Callable[[], float] = random.random) -> float:
        """Full jitter: uniform in [0, min(max_delay, base * 2^(n-1))] for the n-th retry."""
        ceiling = min(self.max_delay, self.base_delay * (2.0 ** max(0, retry_number - 1)))
        return rng() * ceiling


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or an HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def target_for_url(url: str, name: str | None = None, what: str = "the deployment") -> Target:
    """A `Target` naming a deployment (or host) for messages: `name at host` when both are known."""
    host = urlsplit(url).netloc.rpartition("@")[2] or url  # never a `user:password@`
    if name and name not in host:
        return Target(f"{name} ({host})", what)
    return Target(name or host, what)


def _path_of(request: httpx.Request) -> str:
    return request.url.path


class HttpSession:
    """Requests to one base URL with one credential; owns its `httpx.AsyncClient`."""

    def __init__(
        self,
        base_url: str,
        *,
        target: Target,
        authorization: Secret | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Sleep = asyncio.sleep,
        rng: Callable[[], float] = random.random,
        secrets: Iterable[str | Secret | None] = (),
    ):
        # Refused here too, whatever the key or URL came from (a profile, a form): see credential_checks.
        require_no_userinfo(base_url, "The URL")
        if authorization is not None:
            require_sendable(authorization.reveal().split(" ", 1)[-1], f"The credential for {target}")
        self.base_url = base_url.rstrip("/")
        self.target = target
        self.retry = retry
        self._sleep = sleep
        self._rng = rng
        self._secrets: list[str | Secret] = [s for s in (authorization, *secrets) if s]
        if authorization is not None:  # the key without its scheme word, too
            self._secrets.append(Secret(authorization.reveal().split(" ", 1)[-1]))
        self._proxies = ProxyRoutes()
        self._secrets += [Secret(password) for password in self._proxies.passwords]
        self._client = build_client(
            self.base_url, authorization=authorization, transport=transport, timeout=timeout, proxies=self._proxies
        )
        # Large bodies (`stream`) are read with blocking calls on a worker thread: per network piece that
        # costs a fraction of what the event loop's path does (tui/README.md has the figures).
        self._blocking_options = (authorization, timeout)  # the blocking client is made on first use
        self._blocking: httpx.Client | None = None

    def __repr__(self) -> str:
        return f"HttpSession({self.base_url!r})"

    @property
    def secrets(self) -> tuple[str | Secret, ...]:
        return tuple(self._secrets)

    def add_secret(self, value: str | Secret | None) -> None:
        if value:
            self._secrets.append(value)

    async def aclose(self) -> None:
        await self._client.aclose()
        if self._blocking is not None:
            await asyncio.to_thread(self._blocking.close)
            self._blocking = None

    # -- one request --------------------------------------------------------------------------------
    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        retry: Retry | None = None,
        timeout: httpx.Timeout | None = None,
        accept: Collection[int] = (),
        secrets: Iterable[str | Secret | None] = (),
    ) -> httpx.Response:
        """Send a request (with retries per `retry`); return the 2xx response (or one whose status is in
        `accept`) or raise a typed error. `secrets` are extra values to scrub from this call's errors."""
        retry = retry or (Retry.IDEMPOTENT if method in ("GET", "HEAD") else Retry.SAFE)
        scrubbed = (*self._secrets, *secrets)
        body, all_headers = self._body(json, content, headers)
        attempt = 0
        error: ConvexApiError
        while True:
            attempt += 1
            request = self._client.build_request(
                method,
                path,
                params=params,
                content=body,
                headers=all_headers,
                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
            started = time.monotonic()
            try:
                response = await self._client.send(request)
            except httpx.TransportError as exc:
                error = transport_error(exc, self.target, scrubbed)
                if not await self._should_retry(attempt, retry, request, exc=exc, error=error):
                    raise error from None
                continue
            self._log(request, response, started)
            if response.is_success or response.status_code in accept:
                return response
            error = self._status_error(request, response, response.content, scrubbed)
            if not await self._should_retry(attempt, retry, request, status=response.status_code, error=error):
                raise error from None

    async def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """`request`, then the decoded JSON body (None for an empty body)."""
        response = await self.request(method, path, **kwargs)
        return decode_json(response, self.target, (*self._secrets, *kwargs.get("secrets", ())))

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        retry: Retry | None = None,
        timeout: httpx.Timeout | None = None,
    ) -> AsyncIterator[httpx.Response]:
        """A streamed response (headers received, body not yet read) from the blocking client: its body must
        be read off the event loop (`tui.api.transport.threaded_body.ThreadedBody`). Retries apply until the
        headers arrive; a failure while reading the body is the reader's to handle."""
        retry = retry or (Retry.IDEMPOTENT if method in ("GET", "HEAD") else Retry.SAFE)
        if self._blocking is None:
            authorization, client_timeout = self._blocking_options
            self._blocking = build_blocking_client(
                self.base_url, authorization=authorization, timeout=client_timeout, proxies=self._proxies
            )
        client = self._blocking
        attempt = 0
        error: ConvexApiError
        while True:
            attempt += 1
            request = client.build_request(
                method,
                path,
                params=params,
                headers=dict(headers or {}),
                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
            started = time.monotonic()
            try:
                response = await _send_streamed(client, request)
            except httpx.TransportError as exc:
                error = transport_error(exc, self.target, self._secrets)
                if not await self._should_retry(attempt, retry, request, exc=exc, error=error):
                    raise error from None
                continue
            self._log(request, response, started)
            if response.is_success:
                break
            try:
                body = await _read_limited(response, ERROR_BODY_LIMIT)
            except httpx.TransportError:
                body = b""
            finally:
                await _close(response)
            error = self._status_error(request, response, body, self._secrets)
            if not await self._should_retry(attempt, retry, request, status=response.status_code, error=error):
                raise error from None
        try:
            yield response
        finally:
            await _close(response)

    # -- helpers --------------------------------------------------------------------------------------
    @staticmethod
    def _body(
        json: Any, content: bytes | None, headers: Mapping[str, str] | None
    ) -> tuple[bytes | None, dict[str, str]]:
        all_headers = dict(headers or {})
        if json is not None:
            all_headers.setdefault("Content-Type", "application/json")
            return orjson.dumps(json), all_headers
        return content, all_headers

    def _status_error(
        self, request: httpx.Request, response: httpx.Response, body: bytes, secrets: Iterable[str | Secret | None]
    ) -> ConvexApiError:
        return error_from_response(
            response.status_code,
            body,
            target=self.target,
            method=request.method,
            path=_path_of(request),
            retry_after=parse_retry_after(response.headers.get("retry-after")),
            secrets=secrets,
        )

    async def _should_retry(
        self,
        attempt: int,
        retry: Retry,
        request: httpx.Request,
        *,
        error: ConvexApiError,
        status: int | None = None,
        exc: Exception | None = None,
    ) -> bool:
        """Decide, and if yes wait; False means raise `error` now."""
        if retry is Retry.NEVER or attempt >= self.retry.attempts:
            return False
        if status is not None:
            allowed = status in _ALWAYS_RETRIED_STATUS or (
                retry is Retry.IDEMPOTENT and status in _IDEMPOTENT_RETRIED_STATUS
            )
        else:
            allowed = isinstance(exc, _UNSENT) or retry is Retry.IDEMPOTENT
        if not allowed:
            return False
        delay = self.retry.backoff(attempt, self._rng)
        if error.retry_after is not None:
            if error.retry_after > self.retry.max_retry_after:
                return False
            delay = max(delay, error.retry_after)
        reason = f"HTTP {status}" if status is not None else (error.code or "network error")
        log.info(
            "%s %s: %s; retrying in %.1f s (attempt %d of %d)",
            request.method,
            _path_of(request),
            reason,
            delay,
            attempt + 1,
            self.retry.attempts,
        )
        await self._sleep(delay)
        return True

    @staticmethod
    def _log(request: httpx.Request, response: httpx.Response, started: float) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s -> %d (%.0f ms)",
                request.method,
                _path_of(request),
                response.status_code,
                (time.monotonic() - started) * 1000,
            )


async def _send_streamed(client: httpx.Client, request: httpx.Request) -> httpx.Response:
    sent = asyncio.get_running_loop().run_in_executor(None, functools.partial(client.send, request, stream=True))
    try:
        return await asyncio.shield(sent)
    except asyncio.CancelledError:  # the thread still finishes: close what it gets, so no connection leaks
        sent.add_done_callback(_close_when_sent)
        raise


def _close_when_sent(done: asyncio.Future[httpx.Response]) -> None:
    if done.exception() is None:
        done.result().close()


async def _close(response: httpx.Response) -> None:
    await asyncio.to_thread(response.close)


async def _read_limited(response: httpx.Response, limit: int) -> bytes:
    return await asyncio.to_thread(_read_limited_blocking, response, limit)


def _read_limited_blocking(response: httpx.Response, limit: int) -> bytes:
    data = bytearray()
    for chunk in response.iter_bytes():
        data += chunk
        if len(data) >= limit:
            break
    return bytes(data[:limit])


def decode_json(response: httpx.Response, target: Target, secrets: Iterable[str | Secret | None] = ()) -> Any:
    """The JSON body of a successful response; None when empty; `ProtocolError` when not JSON."""
    if not response.content.strip():
        return None
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        preview = scrub(response.text[:200], secrets)
        raise ProtocolError(
            f"{target} answered {response.request.method} {response.request.url.path} with something that is "
            f"not JSON ({preview!r}): is this URL a Convex deployment?",
            status=response.status_code,
            secrets=secrets,
        ) from None
