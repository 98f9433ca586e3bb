"""Parse phase of an import: validate the whole file, decide what each
table becomes, and describe it as `checkpoints` plus the `message_to_confirm` summary.

The same planning runs again right before execution (`make_plan`), against the deployment as it is
then, so a table created or filled in between is still checked.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass, field

from tui.archive.ids import decode_id
from tui.emulator.imports.failures import ImportFailure, failure, table_exists
from tui.emulator.imports.source import Source, SourceTable
from tui.emulator.imports.state import CLOSING_MESSAGE, render_changes
from tui.emulator.deployment.tables import (
    STORAGE_TABLE,
    STORAGE_TABLE_NUMBER,
    Tablet,
    active_tablets,
    count_documents,
    find_active,
)


@dataclass
class TableFacts:
    """What a full scan of one table (or one `_storage`) found."""

    rows: int = 0
    missing_id: bool = False
    id_number: int | None = None  # the table number every `_id` shares
    id_line: int = 0  # the row that first carried it
    first_number: int | None = None  # the first row's `_id` table number


@dataclass
class Unit:
    """One table the import writes into a new hidden tablet."""

    component: str
    name: str  # a user table name or "_storage"
    table: SourceTable | None  # None for `_storage`
    number: int | None  # None: a fresh number, chosen when the tablet is created
    number_source: str  # pinned | first_id | existing | append | fresh | storage
    existing: Tablet | None  # the active table of that name right now
    merge: bool = False  # Append into an existing table: rows move into it at finalize

    @property
    def is_storage(self) -> bool:
        return self.name == STORAGE_TABLE

    @property
    def check_ids(self) -> bool:
        """Whether each row's `_id` must be checked against the number during execution."""
        return self.number_source in ("existing", "append")


@dataclass
class Plan:
    units: list[Unit] = field(default_factory=list)
    drops: list[Tablet] = field(default_factory=list)  # active tablets dropped at finalize


def storage_number(conn: sqlite3.Connection, component: str) -> int:
    existing = find_active(conn, component, STORAGE_TABLE)
    return existing.number if existing else STORAGE_TABLE_NUMBER


def _is_user_table(tablet: Tablet) -> bool:
    return not tablet.name.startswith("_")


# -- scanning ---------------------------------------------------------------------------------------


def scan_source(
    conn: sqlite3.Connection, source: Source, should_stop=lambda: False
) -> dict[tuple[str, str], TableFacts]:
    """Read every row of every table and every storage entry; raise ImportFailure at the first problem."""
    facts: dict[tuple[str, str], TableFacts] = {}
    for table in source.tables:
        fact = facts[(table.component, table.name)] = TableFacts()
        scan_rows(source, table, fact, should_stop)
    for component in source.storage_components:
        facts[(component, STORAGE_TABLE)] = _scan_storage(conn, source, component)
    return facts


def scan_rows(source: Source, table: SourceTable, fact: TableFacts, should_stop) -> None:
    """Add the rows of `table` to `fact`; raise ImportFailure at the first problem, ParseStopped when
    asked to."""
    scan_blocks = getattr(source, "scan_blocks", None)
    if scan_blocks is not None:
        blocks = scan_blocks(table)
    else:
        blocks = ((line, [number]) for line, number in source.scan(table))
    checked = fact.rows
    with closing(blocks):
        for first, numbers in blocks:
            absorb_rows(fact, table.name, first, numbers)
            if fact.rows - checked >= 50_000:
                checked = fact.rows
                if should_stop():
                    raise ParseStopped()


def absorb_rows(fact: TableFacts, table: str, first: int, numbers: list[int | None]) -> None:
    """Add consecutive rows (lines first, first + 1, ...; the table number of each `_id`, None when a
    row has none) to `fact`; raise at the first row whose `_id` is from another table number."""
    if not numbers:
        return
    if fact.rows == 0:
        fact.first_number = numbers[0]
    fact.rows += len(numbers)
    distinct = set(numbers)
    if None in distinct:
        fact.missing_id = True
        distinct.discard(None)
    if not distinct:
        return
    if fact.id_number is None:
        index = next(i for i, number in enumerate(numbers) if number is not None)
        fact.id_number, fact.id_line = numbers[index], first + index
    if len(distinct) > 1 or fact.id_number not in distinct:
        for index, number in enumerate(numbers):
            if number is not None and number != fact.id_number:
                raise _conflict(table, first + index, number, fact.id_number)


class ParseStopped(Exception):
    """The worker is shutting down; the import stays `uploaded` and is parsed again next time."""


def _scan_storage(conn: sqlite3.Connection, source: Source, component: str) -> TableFacts:
    target = storage_number(conn, component)
    fact = TableFacts()
    for _, row in source.storage_index(component):
        fact.rows += 1
        number = decode_id(row["_id"])[0]  # the reader checked that it decodes
        if number != target:
            raise failure("InvalidId", f"_storage entry has invalid ID {row['_id']} ({number} != {target})")
    for storage_id in source.storage_files(component):
        number = decode_id(storage_id)[0]
        if number != target:
            raise failure("InvalidId", f"_storage entry has invalid ID {storage_id} ({number} != {target})")
    return fact


def first_numbers(source: Source) -> dict[tuple[str, str], TableFacts]:
    """Cheap facts for execution: only each table's first row (the file was fully checked already)."""
    facts: dict[tuple[str, str], TableFacts] = {}
    for table in source.tables:
        fact = facts[(table.component, table.name)] = TableFacts()
        with closing(source.scan(table)) as rows:
            for _, number in rows:
                fact.first_number = number
                break
    return facts


def _conflict(table: str, line: int, number: int, expected: int | None) -> ImportFailure:
    wanted = f"table number {expected}" if expected is not None else "a new table number"
    return failure(
        "ImportConflict",
        f'Row {line} of table "{table}" has an _id from table number {number}, but "{table}" gets {wanted} '
        "in this import. The ids come from a different deployment and clash with its tables; "
        "import with --replace-all, or remove the _id fields.",
    )


# -- planning ---------------------------------------------------------------------------------------


def make_plan(
    conn: sqlite3.Connection, source: Source, mode: str, facts: dict[tuple[str, str], TableFacts], *, check_ids: bool
) -> Plan:
    """Apply the table-number rules and mode rules to the deployment as it is now."""
    plan = Plan()
    for table in source.tables:
        fact = facts[(table.component, table.name)]
        existing = find_active(conn, table.component, table.name)
        pinned = source.pinned(table.component)
        if mode == "Append" and existing is not None:
            unit = Unit(table.component, table.name, table, existing.number, "append", existing, merge=True)
        elif table.name in pinned:
            unit = Unit(table.component, table.name, table, pinned[table.name], "pinned", existing)
        elif fact.first_number is not None:
            unit = Unit(table.component, table.name, table, fact.first_number, "first_id", existing)
        elif existing is not None:
            unit = Unit(table.component, table.name, table, existing.number, "existing", existing)
        else:
            unit = Unit(table.component, table.name, table, None, "fresh", existing)
        if check_ids and fact.id_number is not None and fact.id_number != unit.number:
            raise _conflict(table.name, fact.id_line, fact.id_number, unit.number)
        plan.units.append(unit)
    for component in source.storage_components:
        existing = find_active(conn, component, STORAGE_TABLE)
        number = storage_number(conn, component)
        merge = mode == "Append" and existing is not None
        plan.units.append(Unit(component, STORAGE_TABLE, None, number, "storage", existing, merge=merge))
    plan.units.sort(key=lambda u: (sort_key(u.component, u.name)[0], u.is_storage, u.name))
    _apply_mode(conn, plan, mode)
    _check_numbers(conn, plan)
    return plan


def sort_key(component: str, name: str) -> tuple[list[str], str]:
    """Convex's order: by component path (root first), then table name byte-wise."""
    return (component.split("/") if component else [], name)


def _apply_mode(conn: sqlite3.Connection, plan: Plan, mode: str) -> None:
    if mode == "RequireEmpty":
        for unit in plan.units:
            if unit.existing is not None and count_documents(conn, unit.existing.tablet) > 0:
                raise table_exists(unit.name)
    if mode == "Append":
        return
    drops = {u.existing.tablet: u.existing for u in plan.units if u.existing is not None}
    if mode == "ReplaceAll":
        drops.update({t.tablet: t for t in active_tablets(conn) if _is_user_table(t)})
    plan.drops = list(drops.values())


def _check_numbers(conn: sqlite3.Connection, plan: Plan) -> None:
    dropped = {t.tablet for t in plan.drops}
    by_component: dict[str, dict[int, str]] = {}
    for unit in plan.units:
        if unit.number is None:
            continue
        owners = by_component.setdefault(unit.component, {})
        other = owners.setdefault(unit.number, unit.name)
        if other != unit.name:
            raise failure(
                "TableNumberConflict",
                f'Tables "{other}" and "{unit.name}" would both have table number {unit.number}.',
            )
    for component, owners in by_component.items():
        for tablet in active_tablets(conn, component):
            if tablet.tablet in dropped or tablet.number not in owners or owners[tablet.number] == tablet.name:
                continue
            kind = "system table" if tablet.name.startswith("_") else "table"
            raise failure(
                "TableConflict",
                f'Table "{owners[tablet.number]}"\'s ids (table number {tablet.number}) clash with the existing '
                f'{kind} "{tablet.name}". To replace every table, use --replace-all.',
            )


# -- summary ----------------------------------------------------------------------------------------


def summarize(
    conn: sqlite3.Connection, plan: Plan, facts: dict[tuple[str, str], TableFacts], mode: str
) -> tuple[list[dict], str, bool]:
    """(checkpoints, message_to_confirm, require_manual_confirmation), as Convex computes them."""
    entries: dict[tuple[str, str], tuple[int, Tablet | None, bool]] = {}
    for unit in plan.units:
        fact = facts[(unit.component, unit.name)]
        entries[(unit.component, unit.name)] = (fact.rows, unit.existing, fact.missing_id)
    if mode == "ReplaceAll":
        for tablet in plan.drops:
            entries.setdefault((tablet.component, tablet.name), (0, tablet, False))
    checkpoints = []
    groups: dict[str, list[tuple[str, int, int, int, str]]] = {}
    require = False
    for (component, name), (added, existing, missing_id) in sorted(entries.items(), key=lambda e: sort_key(*e[0])):
        existing_rows = count_documents(conn, existing.tablet) if existing else 0
        deleted = existing_rows if mode in ("Replace", "ReplaceAll") else 0
        require = require or deleted > 0
        checkpoints.append(
            {
                "component_path": component or None,
                "display_table_name": name,
                "tablet_id": None,
                "total_num_rows_to_write": added,
                "num_rows_written": 0,
                "existing_rows_in_table": existing_rows,
                "existing_rows_to_delete": deleted,
                "is_missing_id_field": missing_id,
            }
        )
        suffix = " files" if name == STORAGE_TABLE else ""
        groups.setdefault(component, []).append((name, added, deleted, existing_rows, suffix))
    return checkpoints, confirmation_message(groups), require


def confirmation_message(groups: dict[str, list[tuple[str, int, int, int, str]]]) -> str:
    lines: list[str] = []
    for component, rows in groups.items():
        if component:
            lines.append(f"Component {component}")
        lines.extend(render_changes(rows))
    if lines:
        lines.insert(0, "Import change summary:")
    lines.append(CLOSING_MESSAGE)
    return "\n".join(lines)


def parse(
    conn: sqlite3.Connection, source: Source, mode: str, should_stop=lambda: False
) -> tuple[list[dict], str, bool]:
    """The whole parse phase for one import; raises ImportFailure."""
    facts = scan_source(conn, source, should_stop)
    plan = make_plan(conn, source, mode, facts, check_ids=True)
    return summarize(conn, plan, facts, mode)
