"""Placeholder until the import pipeline lands (being written now)."""

from __future__ import annotations


class ImportWorker:
    def __init__(self, db, imports_dir, throttle, clock):
        self.db = db

    def recover(self) -> None:
        pass

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def notify(self) -> None:
        pass
