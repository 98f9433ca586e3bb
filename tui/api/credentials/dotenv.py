"""Reading `.env` files the way the Convex CLI does (it uses the `dotenv` npm package): `KEY=value` lines,
optional `export `, single/double/back-quoted values (double quotes expand `\\n` and `\\r`, quotes may span
lines), `#` comments after unquoted values; a later line wins within one file.
"""

from __future__ import annotations

import re
from pathlib import Path

# The dotenv package's own line pattern, ported.
_LINE = re.compile(
    r"^\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)"
    r"(\s*'(?:\\'|[^'])*'|\s*\"(?:\\\"|[^\"])*\"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?"
    r"\s*(?:#.*)?$",
    re.MULTILINE,
)
_QUOTED = re.compile(r"^(['\"`])([\s\S]*)\1$")


def parse_dotenv(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for match in _LINE.finditer(text):
        value = (match.group(2) or "").strip()
        quote = value[:1]
        quoted = _QUOTED.match(value)
        if quoted:
            value = quoted.group(2)
        if quote == '"':
            value = value.replace("\\n", "\n").replace("\\r", "\r")
        values[match.group(1)] = value
    return values


def read_dotenv(path: Path) -> dict[str, str]:
    """The variables of `path`, or {} when it does not exist or cannot be read."""
    try:
        return parse_dotenv(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return {}
