"""Table, field and component name rules."""

from __future__ import annotations

import re

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
MAX_TABLE_NAME = 64
MAX_FIELD_NAME = 1024


def table_name_problem(name: str, *, allow_system: bool = False) -> str | None:
    """Why `name` is not a valid table name, or None when it is."""
    if not name:
        return "table names cannot be empty"
    if len(name) > MAX_TABLE_NAME:
        return f"table names are at most {MAX_TABLE_NAME} characters"
    if not _IDENT.match(name):
        return "table names start with a letter and contain only letters, digits and underscores"
    if name.startswith("_") and not allow_system:
        return "table names starting with '_' are reserved for system tables"
    if set(name) == {"_"}:
        return "table names cannot be only underscores"
    return None


def component_name_problem(name: str) -> str | None:
    if not _IDENT.match(name or ""):
        return "component names start with a letter and contain only letters, digits and underscores"
    return None


def field_name_problem(name: str, *, top_level: bool) -> str | None:
    if not name:
        return "field names cannot be empty"
    if len(name) > MAX_FIELD_NAME:
        return f"field names are at most {MAX_FIELD_NAME} characters"
    if not name.isascii() or not name.isprintable():
        return f"field name {name!r} must contain only printable ASCII characters"
    if name.startswith("$"):
        return f"field name {name!r} starts with '$', which is reserved"
    if top_level and name.startswith("_") and name not in ("_id", "_creationTime"):
        return f"top-level field name {name!r} starts with '_', which is reserved for system fields"
    return None
