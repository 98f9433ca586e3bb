"""A value that changes on the server, as an async iterator: from a sync-protocol subscription where the
deployment offers one, else by adaptive polling (fast after a change, slower while nothing changes).

The iterator yields the first value, then every change, and repeats the last value at least every
`tick` seconds so a caller can refresh elapsed times. Use it with `contextlib.aclosing` (or let it run
to the end) so the subscription's connection is closed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, TypeVar

from tui.api.errors import AuthError, ConvexApiError
from tui.api.deployment.sync_client import Subscription
from tui.services.progress import PollInterval

log = logging.getLogger("tui.services.live")
T = TypeVar("T")
_NOTHING: Any = object()


async def live_values(
    poll: Callable[[], Awaitable[T]],
    subscribe: Callable[[], Subscription[T]] | None = None,
    *,
    tick: float = 1.0,
    interval: PollInterval | None = None,
) -> AsyncGenerator[T, None]:
    last: Any = _NOTHING
    if subscribe is not None:
        subscription = subscribe()
        try:
            async with subscription:
                while True:
                    try:
                        last = await subscription.next(timeout=tick if last is not _NOTHING else None)
                    except TimeoutError:
                        pass
                    except StopAsyncIteration:
                        break
                    yield last
        except AuthError:
            raise
        except (ConvexApiError, OSError) as exc:
            # The message is already scrubbed of credentials; the type is enough for the log.
            log.info("live updates unavailable (%s); polling instead", type(exc).__name__)
    interval = interval or PollInterval()
    while True:
        value = await poll()
        changed = value != last
        last = value
        yield value
        await asyncio.sleep(interval.changed() if changed else interval.unchanged())
