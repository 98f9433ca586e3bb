"""Which documents to bring back from a backup (tui/commands/README.md "Restore only what is broken"): the plan file,
and how a plan becomes edits of the current tables (`tui.archive.document_patch.TableEdit`) given a fresh diff
of the backup (old side) against the deployment now (new side).

The plan file is JSON:

    {"format": "convex-backups documents plan", "version": 1, "backup": "<id>", "deployment": "<name>",
     "tables": {"orders":  {"revert": ["<id>", ...], "recreate": ["<id>", ...], "remove": ["<id>", ...]},
                "users":   {"revert": "all", "recreate": "all", "where": {"plan": "pro"}}}}

- `revert`: changed documents go back to the backup's version; `recreate`: deleted documents come back with
  their own `_id` and `_creationTime`; `remove`: documents created since are deleted. Each is a list of ids
  or "all"; a missing key means none of that kind.
- `where` (optional): only documents whose fields (dotted paths into objects, values in export JSON) equal
  these — the backup's version for revert/recreate, the current one for remove.
- The diff taken just before the restore decides: an id listed for revert that was deleted since is
  re-created (both mean "the backup's version"), one already as in the backup is left alone and counted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tui.archive.document_patch import TableEdit
from tui.archive.snapshot_diff import STORAGE, DiffStore, DocumentChange, same_value

FORMAT = "convex-backups documents plan"
VERSION = 1
ACTIONS = ("revert", "recreate", "remove")
ALL = "all"


class PlanError(ValueError):
    """The plan file cannot be used; the message says what is wrong with it."""


@dataclass
class TableChoice:
    revert: set[str] | str = field(default_factory=set)  # ids, or ALL
    recreate: set[str] | str = field(default_factory=set)
    remove: set[str] | str = field(default_factory=set)
    where: dict[str, Any] | None = None


@dataclass
class DocumentsPlan:
    tables: dict[str, TableChoice]
    backup: str | None = None
    deployment: str | None = None


@dataclass
class TableReview:
    """What a plan does to one table, counted against the diff taken just before."""

    table: str
    revert: int = 0
    recreate: int = 0
    remove: int = 0
    already: int = 0  # listed, but already as the plan wants
    skipped: int = 0  # listed for an action its current state does not allow (e.g. remove of a backup document)

    def words(self) -> str:
        parts = [
            f"revert {self.revert:,} changed",
            f"re-create {self.recreate:,} deleted",
            f"remove {self.remove:,} created since",
        ]
        if self.already:
            parts.append(f"{self.already:,} already as in the backup")
        if self.skipped:
            parts.append(f"{self.skipped:,} skipped (not what the plan says they are)")
        return ", ".join(parts)


# -- reading and writing the file ----------------------------------------------------------------------------


def parse_plan(text: str) -> DocumentsPlan:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanError(f"the plan is not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("tables"), dict):
        raise PlanError('the plan must be a JSON object with "tables": {"<table>": {"revert": [...], ...}}')
    if data.get("version", VERSION) != VERSION:
        raise PlanError(f"plan version {data.get('version')!r} is not known (this app writes {VERSION})")
    tables: dict[str, TableChoice] = {}
    for table, entry in data["tables"].items():
        if not isinstance(entry, dict):
            raise PlanError(f"table {table!r}: expected an object with revert/recreate/remove/where")
        unknown = sorted(set(entry) - {*ACTIONS, "where"})
        if unknown:
            raise PlanError(f"table {table!r}: unknown key {unknown[0]!r} (known: revert, recreate, remove, where)")
        if table == STORAGE or table.endswith("/" + STORAGE):
            raise PlanError(
                f"table {table!r}: stored files are restored with whole tables (restore --tables), "
                "not document by document"
            )
        choice = TableChoice()
        for action in ACTIONS:
            value = entry.get(action, [])
            if value == ALL:
                setattr(choice, action, ALL)
            elif isinstance(value, list) and all(isinstance(i, str) for i in value):
                setattr(choice, action, set(value))
            else:
                raise PlanError(f'table {table!r}: {action} must be a list of document ids or "all"')
        where = entry.get("where")
        if where is not None and not isinstance(where, dict):
            raise PlanError(f"table {table!r}: where must be an object of field: value")
        choice.where = where
        tables[table] = choice
    return DocumentsPlan(tables, backup=data.get("backup"), deployment=data.get("deployment"))


def plan_json(plan: DocumentsPlan) -> str:
    tables = {}
    for table, choice in plan.tables.items():
        entry: dict[str, Any] = {}
        for action in ACTIONS:
            value = getattr(choice, action)
            if value == ALL or value:
                entry[action] = value if value == ALL else sorted(value)
        if choice.where is not None:
            entry["where"] = choice.where
        tables[table] = entry
    return (
        json.dumps(
            {
                "format": FORMAT,
                "version": VERSION,
                "backup": plan.backup,
                "deployment": plan.deployment,
                "tables": tables,
            },
            indent=2,
        )
        + "\n"
    )


def plan_from_diff(
    store: DiffStore,
    *,
    backup: str | None = None,
    deployment: str | None = None,
    tables: Iterable[str] | None = None,
    ids: dict[str, set[str]] | None = None,
) -> DocumentsPlan:
    """Every difference of the diff brought back (or only `tables`, or only `ids` per table), by id."""
    wanted = set(tables) if tables is not None else None
    out: dict[str, TableChoice] = {}
    for counts in store.tables():
        label = counts.table
        if not counts.differs or label == STORAGE or label.endswith("/" + STORAGE):
            continue
        if wanted is not None and label not in wanted and label not in (ids or {}):
            continue
        choice = TableChoice(set(), set(), set())
        chosen = (ids or {}).get(label) if wanted is None or label not in wanted else None
        for document in store.iter_documents(label):
            if chosen is not None and document.id not in chosen:
                continue
            action = {"changed": "revert", "deleted": "recreate", "created": "remove"}[document.status]
            getattr(choice, action).add(document.id)
        if choice.revert or choice.recreate or choice.remove:
            out[label] = choice
    return DocumentsPlan(out, backup=backup, deployment=deployment)


# -- applying it to a diff -------------------------------------------------------------------------------------


def _at(document: dict[str, Any], path: str) -> tuple[bool, Any]:
    value: Any = document
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return False, None
        value = value[part]
    return True, value


def _matches(document: dict[str, Any] | None, where: dict[str, Any] | None) -> bool:
    if where is None:
        return True
    if document is None:
        return False
    from tui.values.encoding import decode_export_value

    for path, wanted in where.items():
        found, value = _at(document, path)
        if not found or not same_value(value, decode_export_value(wanted)):
            return False
    return True


def edits_from_diff(plan: DocumentsPlan, store: DiffStore) -> tuple[dict[str, TableEdit], list[TableReview]]:
    """The edits that carry out `plan` against `store` (old: the backup, new: now), and the review per table.
    Raises PlanError for a table neither side has."""
    known = {t.table for t in store.tables()}
    edits: dict[str, TableEdit] = {}
    reviews: list[TableReview] = []
    for label, choice in plan.tables.items():
        if label not in known:
            raise PlanError(f"table {label!r} is neither in the backup nor in the deployment now")
        edit, review = TableEdit(), TableReview(label)
        legacy_old = store.legacy_flags(label)[0]

        def bring_back(document: DocumentChange) -> None:
            if not _matches(document.old(), choice.where):
                return
            assert document.old_line is not None  # changed and deleted documents have an old side
            edit.put[document.id] = (document.old_line, legacy_old)
            if document.status == "changed":
                review.revert += 1
            else:
                review.recreate += 1

        def take_out(document: DocumentChange) -> None:
            if _matches(document.new(), choice.where):
                edit.drop.add(document.id)
                review.remove += 1

        for action, statuses, apply in (
            ("revert", ("changed", "deleted"), bring_back),
            ("recreate", ("deleted", "changed"), bring_back),
            ("remove", ("created",), take_out),
        ):
            value = getattr(choice, action)
            if value == ALL:
                for document in store.iter_documents(label, statuses[0]):
                    apply(document)
                continue
            for document_id in sorted(value):
                if document_id in edit.put or document_id in edit.drop:
                    if (action == "remove") == (document_id in edit.put):
                        review.skipped += 1  # listed to be both brought back and removed: brought back
                    continue
                found = store.document(label, document_id)
                if found is None:
                    review.already += 1  # the same in the backup and now (or in neither)
                elif found.status in statuses:
                    apply(found)
                elif action == "remove" and found.status == "deleted":
                    review.already += 1
                else:
                    review.skipped += 1
        reviews.append(review)
        if edit:
            edits[label] = edit
    return edits, reviews
