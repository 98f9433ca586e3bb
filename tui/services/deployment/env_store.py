"""Saved sets of a deployment's environment variables (Convex backups leave them out).

One JSON file per saved set, `<data>/env/<deployment>/<id>.json`, mode 0600 in a 0700 folder, written to
a temporary name and renamed. An id is the UTC time it was taken plus a short random suffix
(`20300101T040000Z-3fa2`); `find` also takes a unique prefix of one, or `latest`.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

from tui.api.errors import NotFound
from tui.services.errors import ConfigError
from tui.services.json_file import write_json_atomically
from tui.services.protocol import EnvSnapshot

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class EnvStore:
    def __init__(self, root: Path):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"EnvStore({str(self.root)!r})"

    def _folder(self, deployment: str) -> Path:
        if not _SAFE_NAME.match(deployment):
            raise ConfigError(f"{deployment!r} cannot name a folder of saved environment variables.", code="BadName")
        return self.root / deployment

    def save(
        self, deployment: str, values: Mapping[str, str], *, reason: str = "manual", taken: datetime | None = None
    ) -> EnvSnapshot:
        taken = (taken or datetime.now(timezone.utc)).astimezone(timezone.utc)
        snapshot_id = f"{taken:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"
        folder = self._folder(deployment)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        for directory in (self.root, folder):
            directory.chmod(0o700)
        body = {"deployment": deployment, "taken": taken.isoformat(), "reason": reason, "values": dict(values)}
        path = folder / f"{snapshot_id}.json"
        write_json_atomically(path, body, indent=None)
        return EnvSnapshot(deployment=deployment, taken=taken, values=dict(values), id=snapshot_id, reason=reason)

    def list(self, deployment: str) -> list[EnvSnapshot]:
        """Saved sets, newest first (unreadable files are skipped)."""
        folder = self._folder(deployment)
        if not folder.is_dir():
            return []
        snapshots = [s for s in (self._read(p) for p in folder.glob("*.json")) if s is not None]
        return sorted(snapshots, key=lambda s: (s.taken, s.id or ""), reverse=True)

    def find(self, deployment: str, saved_id: str) -> EnvSnapshot:
        saved = self.list(deployment)
        if saved_id == "latest" and saved:
            return saved[0]
        exact = [s for s in saved if s.id == saved_id]
        matches = exact or [s for s in saved if s.id and s.id.startswith(saved_id)]
        if len(matches) == 1:
            return matches[0]
        known = ", ".join(s.id for s in saved[:5] if s.id) or "none saved yet"
        what = "matches several saved sets" if matches else "is not a saved set"
        raise NotFound(
            f"{saved_id!r} {what} of {deployment}'s environment variables (newest: {known}).",
            code="EnvSnapshotNotFound",
        )

    def _read(self, path: Path) -> EnvSnapshot | None:
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
            values = body["values"]
            if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
                return None
            return EnvSnapshot(
                deployment=str(body["deployment"]),
                taken=datetime.fromisoformat(body["taken"]),
                values=values,
                id=path.stem,
                reason=str(body.get("reason", "manual")),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
