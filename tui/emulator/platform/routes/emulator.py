"""Emulator-only routes on the platform port (not part of Convex): the manual clock, and the test
switches that make routes or teams refuse (`/api/_emulator/refusals`, see refusals.py).

`POST /api/_emulator/clock` with `{"advanceSecs": n}` or `{"setMs": t}` moves the sandbox's manual
clock (`sandbox serve --clock manual`) forward for the platform and every deployment, then lets the
scheduler, retention and the backup tracker catch up before answering `{"nowMs", "manual"}`.
`GET` reads it. Only the operator's access token may use them.
"""

from __future__ import annotations

import math
from typing import Any

from starlette.routing import Route

from tui.emulator.clock import ManualClock
from tui.emulator.platform.clock_control import SandboxClock
from tui.emulator.errors import ConvexError, bad_request
from tui.emulator.platform import bootstrap
from tui.emulator.platform.routes.endpoint import Call, endpoint
from tui.emulator.platform.refusals import ROUTES, Refusal

MAX_ADVANCE_S = 10 * 365 * 24 * 3600


def _operator_only(call: Call) -> None:
    p = call.caller
    if p.kind != "member" or p.member_id != bootstrap.operator_id(call.platform.store):
        raise ConvexError(403, "OperatorOnly", "Only the sandbox operator's access token may move the clock.")


def _answer(call: Call) -> dict[str, Any]:
    return {"nowMs": call.platform.clock.now_ms(), "manual": isinstance(call.platform.clock, ManualClock)}


def read_clock(call: Call) -> Any:
    _operator_only(call)
    return _answer(call)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def move_clock(call: Call) -> Any:
    _operator_only(call)
    clock = call.platform.clock
    if not isinstance(clock, SandboxClock):
        raise bad_request("ClockNotManual", "The sandbox runs on real time; start it with `--clock manual`.")
    body = call.body if isinstance(call.body, dict) else {}
    advance, set_ms = body.get("advanceSecs"), body.get("setMs")
    if (advance is None) == (set_ms is None) or not _number(advance if set_ms is None else set_ms):
        raise bad_request("BadJsonBody", 'Expected {"advanceSecs": <seconds>} or {"setMs": <epoch milliseconds>}.')
    now_ns = clock.now_ns()
    if set_ms is not None:
        target_ns = round(set_ms * 1e6)
    else:
        assert advance is not None  # exactly one of the two was given
        target_ns = now_ns + round(advance * 1e9)
    if target_ns < now_ns or (advance is not None and advance > MAX_ADVANCE_S):
        raise bad_request("ClockCannotGoBack", "The sandbox clock only moves forward (and by at most ten years).")
    clock.set_ns(target_ns)
    call.platform.after_clock_change()
    return _answer(call)


def read_refusals(call: Call) -> Any:
    _operator_only(call)
    return call.platform.refusals.describe()


def set_refusals(call: Call) -> Any:
    """`{"route": <one of refusals.ROUTES>, "refuse": bool, "status", "code", "message"}`,
    `{"team": <slug>, "refuse": bool, "suspended": bool, ...}` (suspended: also listed as suspended), or
    `{"clear": true}` (refusals.py)."""
    _operator_only(call)
    body = call.body if isinstance(call.body, dict) else {}
    refusals = call.platform.refusals
    if body.get("clear") is True:
        refusals.clear()
        return refusals.describe()
    status, code, message = body.get("status", 403), body.get("code"), body.get("message")
    if not isinstance(status, int) or not 400 <= status <= 599:
        raise bad_request("BadJsonBody", "`status` must be an HTTP error status (400-599).")
    refuse = body.get("refuse", True) is not False
    route, team = body.get("route"), body.get("team")
    if route is not None and route in ROUTES and team is None:
        refusal = Refusal(status, str(code or "Forbidden"), str(message or "This route refuses the token."))
        refusals.set_route(route, refusal if refuse else None)
    elif isinstance(team, str) and route is None:
        refusal = Refusal(
            status,
            str(code or "SSORequired"),
            str(message or f"Team {team} requires single sign-on: log in to it through SSO."),
        )
        refusals.set_team(team, refusal if refuse else None, suspended=body.get("suspended") is True)
    else:
        raise bad_request(
            "BadJsonBody",
            f'Expected {{"route": <one of {", ".join(ROUTES)}>}}, {{"team": "<slug>"}} or {{"clear": true}}.',
        )
    return refusals.describe()


def routes() -> list[Route]:
    return [
        Route("/api/_emulator/refusals", endpoint(read_refusals), methods=["GET"]),
        Route("/api/_emulator/refusals", endpoint(set_refusals, body=True), methods=["POST"]),
        Route("/api/_emulator/clock", endpoint(read_clock), methods=["GET"]),
        Route("/api/_emulator/clock", endpoint(move_clock, body=True), methods=["POST"]),
    ]
