"""What `convex-backups sandbox credentials --platform [--team SLUG]` prints: the platform API's URL
and a token, in .env form under the official CLI's own variable names."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tui.emulator.platform.access.token_files import operator_token_path, team_token_path
from tui.emulator.platform.store import DEFAULT_PORT, FILE, PORT_META
from tui.emulator.secrets_file import read_secret


def platform_url(root: Path) -> str:
    """The platform's URL as of its last start (read-only: never creates the store)."""
    path = Path(root) / FILE
    if not path.is_file():
        raise LookupError(f"No sandbox platform in {root}. Start it with: convex-backups sandbox serve --data {root}")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (PORT_META,)).fetchone()
    finally:
        conn.close()
    return f"http://127.0.0.1:{int(row[0]) if row else DEFAULT_PORT}"


def platform_credentials(root: Path, team: str | None = None) -> list[str]:
    url = platform_url(root)
    path = team_token_path(root, team) if team else operator_token_path(root)
    token = read_secret(path) if not team or "/" not in team else None
    if not token:
        what = f"team {team!r}" if team else "the operator"
        raise LookupError(f"No access token for {what} in {root}. Start the sandbox once to create it.")
    return [f"CONVEX_PROVISION_HOST={url}", f"CONVEX_OVERRIDE_ACCESS_TOKEN={token}"]
