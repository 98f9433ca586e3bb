"""Helpers of the restore-screen tests: read, break and back up a deployment's data; wait in a Pilot."""

from __future__ import annotations

from deployment_data import break_data, client_of, documents_of, take_backup  # noqa: F401 (the restore tests' helpers)
from pilot_host import wait_until  # noqa: F401
