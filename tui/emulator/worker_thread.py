"""A daemon thread that runs one background job (exports, imports, schedules, retention) until told to
stop, and can be woken early when new work arrives."""

from __future__ import annotations

import threading


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
        """New work may be waiting: look now rather than at the next poll."""
        self._wake.set()

    def interrupt(self) -> None:
        """Cut short whatever the job may be sleeping in, so that stop() is quick."""

    def _run(self) -> None:
        raise NotImplementedError
