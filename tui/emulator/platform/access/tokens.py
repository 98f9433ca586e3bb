"""Access tokens: minted here, shown once (written to a 0600 file), stored only as a sha256.

- `<data>/access_token`: the operator's personal access token (what `npx convex login` would store).
- `<data>/team_tokens/<team-slug>`: one team access token per team (`/v1/token_details` → teamToken).
- The dashboard's instance credential (`instances/{name}/auth`, and the CLI's deployment credentials)
  stands for the caller's token without containing it: `sbxi_<token row>_<HMAC-SHA256>` keyed by a random
  secret in `<data>/instance_credential_key` (0600), over the token's row and stored hash. It reveals
  nothing of the token, and stops working when the token's row goes. Deployments served by the platform
  check it (and bare tokens) against the store.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import sqlite3
from pathlib import Path

from tui.emulator.platform.store import insert
from tui.emulator.secrets_file import read_secret, write_secret

_PREFIX = {"member": "sbx_pat_", "team": "sbx_team_"}
_CREDENTIAL_PREFIX = "sbxi_"
_CREDENTIAL = re.compile(r"sbxi_([0-9]{1,18})_([A-Za-z0-9_-]{43})")
CREDENTIAL_KEY_FILE = "instance_credential_key"


def new_token(kind: str) -> str:
    return _PREFIX[kind] + secrets.token_urlsafe(32)


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_well_formed(token: str) -> bool:
    return 16 <= len(token) <= 200 and token.isascii() and " " not in token


def register(
    conn: sqlite3.Connection,
    token: str,
    *,
    kind: str,
    name: str,
    now_ms: int,
    member_id: int | None = None,
    team_id: int | None = None,
) -> int:
    """Remember a token by its hash (idempotent)."""
    digest = sha256(token)
    row = conn.execute("SELECT id FROM access_tokens WHERE token_sha256 = ?", (digest,)).fetchone()
    if row:
        return row[0]
    return insert(
        conn,
        "access_tokens",
        {
            "token_sha256": digest,
            "kind": kind,
            "member_id": member_id,
            "team_id": team_id,
            "name": name,
            "create_time": now_ms,
        },
    )


def ensure_token_file(
    conn: sqlite3.Connection,
    path: Path,
    *,
    kind: str,
    name: str,
    now_ms: int,
    member_id: int | None = None,
    team_id: int | None = None,
) -> None:
    """The token in `path` is known to the store; a missing file gets a fresh token. The file is written
    before the hash is committed, so a crash in between leaves a file that the next start registers."""
    token = read_secret(path)
    if not token or not is_well_formed(token):
        token = new_token(kind)
        write_secret(path, token)
    register(conn, token, kind=kind, name=name, now_ms=now_ms, member_id=member_id, team_id=team_id)


def credential_key(root: Path) -> bytes:
    """The platform's secret for instance credentials: random, made on first use, kept 0600. Two processes
    making it at once agree on one (the file is linked into place only if it is still missing)."""
    path = Path(root) / CREDENTIAL_KEY_FILE
    key = read_secret(path)
    if not key:
        draft = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        write_secret(draft, secrets.token_hex(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink(missing_ok=True)
        key = read_secret(path) or ""
    return key.encode()


def _credential_mac(key: bytes, token_id: int, token_sha256: str) -> str:
    mac = hmac.new(key, f"sbxi:v2:{token_id}:{token_sha256}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def instance_credential(conn: sqlite3.Connection, key: bytes, token_id: int) -> str:
    """The credential standing for access token `token_id` (a row of `access_tokens`)."""
    row = conn.execute("SELECT token_sha256 FROM access_tokens WHERE id = ?", (token_id,)).fetchone()
    if row is None:
        raise LookupError(f"no access token {token_id}")
    return f"{_CREDENTIAL_PREFIX}{token_id}_{_credential_mac(key, token_id, row[0])}"


def is_instance_credential(value: str) -> bool:
    return value.startswith(_CREDENTIAL_PREFIX)


def credential_token_id(conn: sqlite3.Connection, key: bytes, value: str) -> int | None:
    """The access token row an instance credential stands for, or None when it is not a valid one."""
    match = _CREDENTIAL.fullmatch(value)
    if match is None:
        return None
    token_id = int(match.group(1))
    row = conn.execute("SELECT token_sha256 FROM access_tokens WHERE id = ?", (token_id,)).fetchone()
    if row is None or not hmac.compare_digest(_credential_mac(key, token_id, row[0]), match.group(2)):
        return None
    return token_id
