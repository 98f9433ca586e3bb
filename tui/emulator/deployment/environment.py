"""Deployment environment variables: stored as `_environment_variables` system documents.

Values are secrets: nothing here logs them, and no error message quotes one (names are fine).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from tui.emulator.deployment import system_tables
from tui.emulator.deployment.database import Database
from tui.emulator.errors import bad_request

TABLE = "_environment_variables"
NAME_PATTERN = re.compile(r"[a-zA-Z_]+[a-zA-Z0-9_]*\Z")
MAX_NAME_BYTES = 256
MAX_VALUE_BYTES = 8192
MAX_VARIABLES = 512  # ENV_VAR_LIMIT
MAX_TOTAL_BYTES = 512 * 1024  # ENV_VAR_TOTAL_SIZE_LIMIT: all names + values
BUILTIN_NAMES = ("CONVEX_CLOUD_URL", "CONVEX_SITE_URL")


@dataclass(frozen=True)
class Change:
    name: str
    value: str | None  # None deletes


def list_documents(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """`{_id, _creationTime, name, value}` documents sorted by name (what the CLI lists)."""
    return sorted(system_tables.list_documents(conn, TABLE, newest_first=False), key=lambda d: d["name"])


def as_mapping(conn: sqlite3.Connection) -> dict[str, str]:
    return {doc["name"]: doc["value"] for doc in list_documents(conn)}


def find(conn: sqlite3.Connection, name: str) -> dict[str, Any] | None:
    return next((doc for doc in list_documents(conn) if doc["name"] == name), None)


def builtin_values(deployment_url: str | None) -> dict[str, str]:
    """The built-ins every deployment has; not stored and never listed."""
    return {name: deployment_url or "" for name in BUILTIN_NAMES}


def parse_changes(body: Any) -> list[Change]:
    """`{"changes": [{"name", "value": str | null}]}` -> changes; 400 BadJsonBody otherwise."""
    changes = body.get("changes") if isinstance(body, dict) else None
    if not isinstance(changes, list):
        raise bad_request("BadJsonBody", 'Expected {"changes": [{"name": ..., "value": ...}, ...]}.')
    parsed = []
    for index, change in enumerate(changes):
        if not isinstance(change, dict) or not isinstance(change.get("name"), str):
            raise bad_request("BadJsonBody", f"changes[{index}] must be an object with a string `name`.")
        value = change.get("value")
        if value is not None and not isinstance(value, str):
            raise bad_request("BadJsonBody", f"changes[{index}].value must be a string or null.")
        parsed.append(Change(change["name"], value))
    return parsed


def check_name(name: str) -> None:
    if len(name.encode()) > MAX_NAME_BYTES:
        raise bad_request(
            "EnvironmentVariableNameTooLong",
            f"Environment variable name {name[:40]!r}... is too long: names are at most {MAX_NAME_BYTES} bytes.",
        )
    if not NAME_PATTERN.match(name):
        raise bad_request(
            "EnvironmentVariableNameInvalid",
            f"Environment variable name {name!r} is invalid: it must start with a letter or underscore and "
            "contain only letters, digits and underscores.",
        )
    if name in BUILTIN_NAMES:
        raise bad_request("EnvVarNameForbidden", f"Environment variable {name} is built in and cannot be overridden.")


def check_value(name: str, value: str) -> None:
    size = len(value.encode())
    if size > MAX_VALUE_BYTES:  # the size only: the value itself is a secret
        raise bad_request(
            "EnvironmentVariableValueTooLarge",
            f"The value of environment variable {name} is {size} bytes, more than the limit of "
            f"{MAX_VALUE_BYTES} bytes.",
        )


def _check_totals(variables: dict[str, str]) -> None:
    if len(variables) > MAX_VARIABLES:
        raise bad_request(
            "EnvVarLimitMet",
            f"The environment variable limit ({MAX_VARIABLES}) has been met: this change would leave "
            f"{len(variables)} variables.",
        )
    total = sum(len(n.encode()) + len(v.encode()) for n, v in variables.items())
    if total > MAX_TOTAL_BYTES:
        raise bad_request(
            "EnvVarTotalSizeLimitMet",
            f"The total size of all environment variables would be {total} bytes, more than the limit of "
            f"{MAX_TOTAL_BYTES} bytes.",
        )


def apply_changes(db: Database, changes: list[Change], *, now_s: float) -> None:
    """All or nothing, in one transaction: every change is validated before anything is written."""
    for change in changes:  # name rules apply to deletes too
        check_name(change.name)
        if change.value is not None:
            check_value(change.name, change.value)
    with db.write() as txn:
        existing = {doc["name"]: doc for doc in list_documents(txn.conn)}
        after = {name: doc["value"] for name, doc in existing.items()}
        for change in changes:  # applied in order: a later change to the same name wins
            if change.value is None:
                after.pop(change.name, None)
            else:
                after[change.name] = change.value
        _check_totals(after)
        for name, doc in existing.items():
            if name not in after:
                system_tables.delete(txn, doc["_id"])
            elif after[name] != doc["value"]:
                system_tables.replace(txn, {**doc, "value": after[name]})
        for name, value in after.items():
            if name not in existing:
                system_tables.insert(txn, TABLE, {"name": name, "value": value}, now_s=now_s)
