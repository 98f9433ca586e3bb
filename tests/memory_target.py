"""`InMemoryTarget`: the base of the tests' in-memory targets (fixed_target.py, fake_target.py, the latency
benchmark's): their explicit answers to the `BackupTarget` members (tui/services/protocol.py) that need a
real deployment: no listing notes, no data API, no pausing, no local store of backups."""

from __future__ import annotations


class InMemoryTarget:
    has_data_api = False
    can_pause = False
    use_sync = False
    store = None

    def listing_notes(self):
        return []

    async def deployment_client(self, deployment):
        raise NotImplementedError("An in-memory target has no deployment API.")

    async def stored_zip(self, deployment, backup_id):
        return None
