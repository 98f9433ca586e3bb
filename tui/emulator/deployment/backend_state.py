"""Pausing a deployment: the one `_backend_state` record, the pause and unpause
rules, the stop messages user functions get, and the two state queries.

The record lives in the deployment's SQLite, so a paused sandbox is still paused after a restart.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from tui.emulator.deployment import audit_log
from tui.emulator.deployment import system_tables
from tui.emulator.deployment.auth import ANY_ADMIN
from tui.emulator.deployment.database import Transaction
from tui.emulator.errors import bad_request
from tui.emulator.functions.args import check_args
from tui.emulator.functions.registry import system_function

if TYPE_CHECKING:
    from tui.emulator.deployment.deployment import Deployment

TABLE = "_backend_state"
FIELDS = {"system": ("none", "disabled", "suspended"), "usage_limit": ("none", "disabled"), "user": ("none", "paused")}
RUNNING = {"system": "none", "usage_limit": "none", "user": "none"}

PAUSED_MESSAGE = (
    "Cannot run functions while this deployment is paused. "
    "Resume the deployment in the dashboard settings to allow functions to run."
)
DISABLED_MESSAGE = (
    "You have exceeded the free plan limits, so your deployments have been disabled. "
    "Please upgrade to a paid plan or reach out to support."
)
USAGE_LIMIT_MESSAGE = (
    "This deployment has exceeded its configured usage limit, so functions cannot run. "
    "Raise the limit in the deployment settings or wait for it to reset."
)
SUSPENDED_MESSAGE = "This deployment has been suspended. Please reach out to Convex support."


def _row(conn: sqlite3.Connection) -> dict[str, Any] | None:
    found = system_tables.list_documents(conn, TABLE, limit=1)
    return found[0] if found else None


def read(conn: sqlite3.Connection) -> dict[str, str]:
    """`{system, usage_limit, user}`; a deployment that never changed state is running."""
    row = _row(conn)
    return {key: row.get(key, RUNNING[key]) for key in RUNNING} if row else dict(RUNNING)


def _write(txn: Transaction, state: dict[str, str], *, now_s: float) -> None:
    row = _row(txn.conn)
    if row is None:
        system_tables.insert(txn, TABLE, state, now_s=now_s)
    else:
        system_tables.replace(txn, {"_id": row["_id"], "_creationTime": row["_creationTime"], **state})


def is_stopped(state: dict[str, str]) -> bool:
    return state != RUNNING


def stop_message(state: dict[str, str]) -> str | None:
    """The function error of a stopped deployment, in Convex's precedence; None while running."""
    if state["system"] == "disabled":
        return DISABLED_MESSAGE
    if state["system"] == "none" and state["usage_limit"] == "disabled":
        return USAGE_LIMIT_MESSAGE
    if state["system"] == "suspended":
        return SUSPENDED_MESSAGE
    if state["user"] == "paused":
        return PAUSED_MESSAGE
    return None


def summary(state: dict[str, str]) -> str:
    """`deploymentState`'s lossy summary: a usage-limit stop reads as running."""
    if state["system"] in ("disabled", "suspended"):
        return state["system"]
    return "paused" if state["user"] == "paused" else "running"


def pause(deployment: Deployment) -> None:
    """2.2: refused when Convex stopped the deployment; idempotent; the audit event commits with it."""
    with deployment.db.write() as txn:
        state = read(txn.conn)
        if state["system"] != "none":
            raise bad_request(
                "PauseDeploymentFailed",
                f"This deployment has been {state['system']} by Convex, so it cannot be paused.",
            )
        if state["user"] == "paused":
            return
        _write(txn, {**state, "user": "paused"}, now_s=deployment.clock.now())
        audit_log.record(txn, audit_log.PAUSE_DEPLOYMENT, {}, now_s=deployment.clock.now())


def unpause(deployment: Deployment) -> None:
    """2.3: not idempotent; unpausing a running deployment is an error."""
    with deployment.db.write() as txn:
        state = read(txn.conn)
        if state["system"] != "none":
            raise bad_request(
                "UnpauseDeploymentFailed",
                f"This deployment has been {state['system']} by Convex, so it cannot be unpaused.",
            )
        if state["user"] != "paused":
            raise bad_request("UnpauseDeploymentFailed", "The deployment is not currently paused.")
        _write(txn, {**state, "user": "none"}, now_s=deployment.clock.now())
        audit_log.record(txn, audit_log.UNPAUSE_DEPLOYMENT, {}, now_s=deployment.clock.now())


def set_convex_fields(deployment: Deployment, changes: dict[str, Any]) -> dict[str, str]:
    """Emulator-only: play Convex staff or the usage-limit worker (`system`, `usage_limit`)."""
    for key, value in changes.items():
        if key not in ("system", "usage_limit") or value not in FIELDS[key]:
            raise bad_request(
                "BadJsonBody", f"Expected system in {FIELDS['system']} or usage_limit in {FIELDS['usage_limit']}."
            )
    with deployment.db.write() as txn:
        state = {**read(txn.conn), **changes}
        _write(txn, state, now_s=deployment.clock.now())
    return state


def require_running(deployment: Deployment) -> None:
    """File storage over HTTP is refused outright while stopped."""
    if is_stopped(read(deployment.db.connection())):
        raise bad_request("BackendIsNotRunning", "Cannot perform this operation while the backend is not running.")


@system_function("_system/frontend/backendState:backendState", "query", ANY_ADMIN)
def backend_state(deployment: Deployment, args: dict[str, Any]) -> Any:
    check_args(args, {})
    return read(deployment.db.connection())


@system_function("_system/frontend/deploymentState:deploymentState", "query", ANY_ADMIN)
def deployment_state(deployment: Deployment, args: dict[str, Any]) -> Any:
    check_args(args, {})
    return {"state": summary(read(deployment.db.connection()))}
