"""Access tokens: minted here, shown once (written to a 0600 file), stored only as a sha256.

- `<data>/access_token`: the operator's personal access token (what `npx convex login` would store).
- `<data>/team_tokens/<team-slug>`: one team access token per team (`/v1/token_details` → teamToken).
- The dashboard's instance credential (`instances/{name}/auth`) is, as on Convex Cloud, an obfuscated
  wrapper around the caller's token: base64 of `{"v": 1, "token": ...}`. Deployments served by the
  platform check it (and bare tokens) against the store.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import sqlite3
from pathlib import Path

import orjson

from tui.emulator.platform.store import insert
from tui.emulator.secrets_file import read_secret, write_secret

_PREFIX = {"member": "sbx_pat_", "team": "sbx_team_"}
_CREDENTIAL_PREFIX = "sbxi_"


def new_token(kind: str) -> str:
    return _PREFIX[kind] + secrets.token_urlsafe(32)


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_well_formed(token: str) -> bool:
    return 16 <= len(token) <= 200 and token.isascii() and " " not in token


def register(
    conn: sqlite3.Connection, token: str, *, kind: str, name: str, now_ms: int,
    member_id: int | None = None, team_id: int | None = None,
) -> int:
    """Remember a token by its hash (idempotent)."""
    digest = sha256(token)
    row = conn.execute("SELECT id FROM access_tokens WHERE token_sha256 = ?", (digest,)).fetchone()
    if row:
        return row[0]
    return insert(conn, "access_tokens", {
        "token_sha256": digest, "kind": kind, "member_id": member_id, "team_id": team_id, "name": name,
        "create_time": now_ms,
    })


def ensure_token_file(
    conn: sqlite3.Connection, path: Path, *, kind: str, name: str, now_ms: int,
    member_id: int | None = None, team_id: int | None = None,
) -> None:
    """The token in `path` is known to the store; a missing file gets a fresh token. The file is written
    before the hash is committed, so a crash in between leaves a file that the next start registers."""
    token = read_secret(path)
    if not token or not is_well_formed(token):
        token = new_token(kind)
        write_secret(path, token)
    register(conn, token, kind=kind, name=name, now_ms=now_ms, member_id=member_id, team_id=team_id)


def instance_credential(token: str) -> str:
    wrapped = orjson.dumps({"v": 1, "token": token})
    return _CREDENTIAL_PREFIX + base64.urlsafe_b64encode(wrapped).decode().rstrip("=")


def unwrap_credential(value: str) -> str:
    """The token inside an instance credential, or the value itself (a bare access token)."""
    if not value.startswith(_CREDENTIAL_PREFIX):
        return value
    body = value[len(_CREDENTIAL_PREFIX):]
    try:
        data = orjson.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        return ""
    token = data.get("token") if isinstance(data, dict) else None
    return token if isinstance(token, str) else ""
