"""The error codes the platform emulator invents where Convex's are unknown (tui/emulator/README.md,
"Emulator decisions where Convex is unconfirmed"): every one is in that table, and the client never needs the
exact code, as real Convex may answer the same refusal under another name: the server's own message is what
it shows."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest

from tui.api.errors import Target, error_from_response

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = ROOT / "tui" / "emulator" / "platform"
# Codes Convex's own code uses (its HTTP extractors, its export rules, its CLI's and dashboard's API
# clients), and the generic ones of an unknown route or method.
CONFIRMED = {
    "AccessTokenInvalid",
    "BadJsonBody",
    "BadQueryArgs",
    "BadPathArgs",
    "ExportInProgress",
    "TeamNotFound",
    "ProjectNotFound",
    "DeploymentNotFound",
    "BadRequest",
    "NotFound",
    "MethodNotAllowed",
    "SSORequired",
    "InvalidIdentity",
}
NOT_CODES = {"ReplaceAll"}  # CamelCase words in the platform's source that are not error codes
_LITERAL = re.compile(r'"([A-Z][a-z]+(?:[A-Z][a-z]*)+)"')


def _table_codes() -> dict[str, str]:
    """code -> the rule, from the table of unconfirmed decisions in tui/emulator/README.md."""
    text = (ROOT / "tui" / "emulator" / "README.md").read_text()
    start = text.index("Emulator decisions where Convex is unconfirmed")
    table = text[start : text.index("\n\n", text.index("| --- |", start))]
    codes = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0] not in ("rule", "---"):
            for code in re.findall(r"`([A-Za-z]+)`", cells[1]):
                codes[code] = cells[0]
    return codes


def _platform_codes() -> set[str]:
    found = set()
    for path in PLATFORM.rglob("*.py"):
        found |= set(_LITERAL.findall(path.read_text()))
    return found - NOT_CODES


def test_every_invented_code_is_in_the_readme_table():
    invented = _platform_codes() - CONFIRMED
    missing = sorted(invented - set(_table_codes()))
    assert not missing, (
        f"platform codes not in the table of unconfirmed decisions in tui/emulator/README.md: "
        f"{missing} (add a row, or list them in NOT_CODES / CONFIRMED here with the source "
        "that confirms them)"
    )


@pytest.mark.parametrize("code", sorted(set(_table_codes()) - {"NotFound"}))
@pytest.mark.parametrize("status", [400, 403, 404, 409])
def test_the_servers_message_is_shown_whatever_the_code(code, status):
    """Under the sandbox's code or another one Convex might use, the operator reads the server's words."""
    said = "The deployment's newest restore is still running: wait for it, then restore again."
    for name in (code, "SomeCodeConvexMightUse"):
        error = error_from_response(
            status,
            orjson.dumps({"code": name, "message": said}),
            target=Target("acme-prod"),
            method="POST",
            path="/api/dashboard/x",
        )
        assert said.rstrip(".") in str(error), (name, str(error))
