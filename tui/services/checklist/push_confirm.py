"""Did the push land? After the deploy command exits 0, the deployment's own record says so: the newest
audit-log event `push_config_with_components` (older backends: `push_config`) since the push started,
carrying the push's `--message`; where the audit log cannot be read (a deploy key without
`deployment:auditLog:view`), the system query `_system/frontend/deploymentEvents:lastPushEvent`, which the
dashboard shows as "last deployed". No textual.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Mapping

from tui.api.wire_values import as_mapping

if TYPE_CHECKING:
    from tui.api.deployment.client import DeploymentClient

PUSH_ACTIONS = ("push_config_with_components", "push_config")
LAST_PUSH_EVENT = "_system/frontend/deploymentEvents:lastPushEvent"
CLOCK_SLACK_MS = 5 * 60_000  # the deployment's clock and this machine's may disagree this much


@dataclass(frozen=True)
class PushEvidence:
    confirmed: bool
    text: str  # one line for the log and the step's outcome
    at_ms: int | None = None
    known: bool = True  # False when neither record could be read (nothing is known either way)


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%H:%M:%S UTC")


def matching_push(events: list[tuple[str, int, Mapping[str, Any]]], since_ms: int, message: str | None) -> int | None:
    """The time of the newest push event since `since_ms` (less the clock slack) whose message is `message`
    (any push when `message` is None); None when there is none. Events are (action, ms, metadata)."""
    found = [
        ms
        for action, ms, metadata in events
        if action in PUSH_ACTIONS
        and ms >= since_ms - CLOCK_SLACK_MS
        and (message is None or metadata.get("message") == message)
    ]
    return max(found) if found else None


def _evidence(at: int | None, message: str | None, source: str) -> PushEvidence:
    if at is None:
        wanted = f" with the message {message!r}" if message else ""
        return PushEvidence(False, f"{source} shows no push{wanted} since the deploy started")
    return PushEvidence(True, f"push confirmed by {source} at {_when(at)}", at)


async def confirm_push(client: DeploymentClient, since_ms: int, message: str | None) -> PushEvidence:
    """Read the deployment's audit log (or its last push event) for this push."""
    try:
        events = await client.audit_events(max(0, since_ms - CLOCK_SLACK_MS))
    except Exception as audit_error:  # noqa: BLE001 - fall back to the system query, then say why neither worked
        try:
            last = await client.query(LAST_PUSH_EVENT, {})
        except Exception as query_error:  # noqa: BLE001
            return PushEvidence(
                False,
                f"could not read the audit log ({type(audit_error).__name__}) nor the last "
                f"push event ({type(query_error).__name__}) to confirm the push",
                known=False,
            )
        if not isinstance(last, Mapping):
            return _evidence(None, message, "the last push event")
        metadata = as_mapping(last.get("metadata"))
        event = (str(last.get("action") or PUSH_ACTIONS[0]), int(last.get("_creationTime") or 0), metadata)
        return _evidence(matching_push([event], since_ms, message), message, "the last push event")
    triples = [(e.action, e.create_time_ms, e.metadata) for e in events]
    return _evidence(matching_push(triples, since_ms, message), message, "the audit log")
