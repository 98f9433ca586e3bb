"""`--debug`: the app's own log at DEBUG (each request's method, path and status, which route gave each
deployment credential), to stderr for a command, to `<data>/debug.log` (0600) for the TUI. Paths and
statuses only: no query string, header, body or secret is ever logged (tui/api/transport/http.py)."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from tui.api.secrets import scrub

FORMAT = "%(asctime)s %(name)s: %(message)s"


class _Scrubbing(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def _attach(handler: logging.Handler) -> None:
    handler.setFormatter(_Scrubbing(FORMAT))
    handler.setLevel(logging.DEBUG)
    logger = logging.getLogger("tui")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)


def debug_to_stderr() -> None:
    _attach(logging.StreamHandler(sys.stderr))


def debug_to_file(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "debug.log"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.fchmod(fd, 0o600)
    _attach(logging.StreamHandler(os.fdopen(fd, "a", encoding="utf-8")))
    return path
