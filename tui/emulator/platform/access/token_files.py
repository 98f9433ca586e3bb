"""Where the sandbox keeps the tokens it minted, each in a 0600 file: the operator's personal access token
(what `npx convex login` would store) and one team access token per team. Apart from tokens.py so that
the app's launcher can read them without loading what minting needs."""

from __future__ import annotations

from pathlib import Path

OPERATOR_TOKEN_FILE = "access_token"
TEAM_TOKENS_DIR = "team_tokens"


def team_token_path(root: Path, slug: str) -> Path:
    return Path(root) / TEAM_TOKENS_DIR / slug


def operator_token_path(root: Path) -> Path:
    return Path(root) / OPERATOR_TOKEN_FILE
