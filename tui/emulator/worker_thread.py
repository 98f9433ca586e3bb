"""A daemon thread that runs one background job (exports, imports, schedules, retention) until told to
stop, and can be woken early when new work arrives."""

from __future__ import annotations

import threading

# How long an idle export or import worker sleeps when nobody wakes it. Every change that gives a worker
# work wakes it (`notify`: a request, a cloud backup or restore, a clock change), and each looks at once
# when it starts (work left by a stopped sandbox), so this only paces housekeeping that falls due with
# time: exports purged 30 days after they expire, uploads abandoned for a day. Looking every second
# instead was most of an idle sandbox's CPU (issue 16: 13 deployments, 26 threads).
HOUSEKEEPING_S = 60.0


class WorkerThread:
    def __init__(self, thread_name: str):
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=thread_name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self.interrupt()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def notify(self) -> None:
        """New work may be waiting: look now rather than at the next housekeeping pass."""
        self._wake.set()

    def _looking(self) -> bool:
        """Called before each look for work; False once stopped. Clearing first means a notify during the
        look ends the next `_wait` at once (and `stop` sets `_stop` before `_wake`, so it is never missed)."""
        self._wake.clear()
        return not self._stop.is_set()

    def _wait(self) -> None:
        """Nothing to do: sleep until notified, stopped or the next housekeeping pass."""
        self._wake.wait(HOUSEKEEPING_S)

    def interrupt(self) -> None:
        """Cut short whatever the job may be sleeping in, so that stop() is quick."""

    def _run(self) -> None:
        raise NotImplementedError
