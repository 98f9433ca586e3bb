"""Step 5, manual fixes: browse a deployment's tables page by page and edit documents through its own
system functions: `addDocument`, `patchDocumentsFields`, `deleteDocuments`.
Typed values follow Convex-encoded JSON: a bare number is a Float64, never an Int64. No textual.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from tui.api.deployment.client import DeploymentClient
from tui.values.encoding import ConvexValueError, decode_encoded_value, encode_json_value
from tui.services.protocol import BackupTarget, DeploymentRef

ADD = "_system/frontend/addDocument"
PATCH = "_system/frontend/patchDocumentsFields"
DELETE = "_system/frontend/deleteDocuments"
NO_USER_FUNCTIONS = (
    "Running a mutation by name needs the app's own functions. The sandbox has no user "
    "functions (code cannot be pushed to it), so there is nothing to run here. Fix data with "
    "this step's edits instead (open a table: e edit, d delete, i insert), or push code "
    "(step 3) to a real deployment and use `npx convex run`."
)


async def client_for(target: BackupTarget, ref: DeploymentRef) -> DeploymentClient:
    """The deployment's API client with the target's credential (`BackupTarget.deployment_client`)."""
    if not target.has_data_api:
        raise NotImplementedError("This target gives no access to the deployment's data API.")
    return await target.deployment_client(ref)


def _check(value: Any, what: str) -> None:
    if isinstance(value, dict) and value.get("success") is False:
        raise ValueError(f"Could not {what}: {value.get('error') or 'the deployment said no'}")


class DataEditor:
    """Tables, pages, one document; patch a field, delete, insert. Every write is one atomic mutation."""

    def __init__(self, client: DeploymentClient):
        self.client = client

    async def tables(self) -> dict[str, int]:
        names = await self.client.user_tables()
        return await self.client.table_sizes(names)

    async def count(self, table: str) -> int:
        return await self.client.table_size(table)

    async def page(
        self, table: str, *, cursor: str | None = None, size: int = 50
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Up to `size` documents, oldest first, and the cursor after them (None at the end). A page may come
        back short while the table goes on (scan limits), so short pages are topped up."""
        documents: list[dict[str, Any]] = []
        while True:
            page = await self.client.page_documents(table, cursor=cursor, num_items=size - len(documents), order="asc")
            documents.extend(page.documents)
            if page.is_done or page.continue_cursor is None:
                return documents, None
            cursor = page.continue_cursor
            if len(documents) >= size:
                return documents, cursor

    async def patch_field(self, table: str, doc_id: str, field: str, value: Any) -> None:
        if field.startswith("_"):
            raise ValueError("System fields (_id, _creationTime) cannot be edited.")
        _check(
            await self.client.mutation(PATCH, {"table": table, "ids": [doc_id], "fields": {field: value}}),
            f"edit {field} of {doc_id}",
        )

    async def delete(self, table: str, doc_ids: list[str]) -> None:
        _check(
            await self.client.mutation(DELETE, {"toDelete": [{"id": i, "tableName": table} for i in doc_ids]}),
            f"delete {len(doc_ids)} document(s)",
        )

    async def insert(self, table: str, document: dict[str, Any]) -> None:
        if not isinstance(document, dict) or any(k.startswith("_") for k in document):
            raise ValueError("A new document is a JSON object without _id or _creationTime.")
        _check(await self.client.mutation(ADD, {"table": table, "documents": [document]}), f"insert into {table}")


@dataclass(frozen=True)
class PageView:
    """One page of a table as shown: documents `first`–`last` (1-based) of about `total`."""

    table: str
    documents: list[dict[str, Any]]
    first: int
    total: int
    has_previous: bool
    has_next: bool

    @property
    def last(self) -> int:
        return self.first + len(self.documents) - 1

    def words(self) -> str:
        if not self.documents:
            return f"{self.table}: no documents" + (" on this page" if self.has_previous else "")
        # "about": the count and the pages are separate reads, and writes can land in between
        total = max(self.total, self.last)
        return f"{self.table}: documents {self.first:,}–{self.last:,} of about {total:,}, oldest first"


class TablePager:
    """Pages of one table by cursor, as the dashboard walks them. Remembers where each page it has shown
    started, so going back re-reads that page from its own cursor."""

    def __init__(self, table: str, size: int = 100):
        self.table = table
        self.size = size
        self._starts: list[str | None] = [None]  # the cursor each page so far started from
        self._offsets: list[int] = [0]  # documents before each of those pages
        self._next: str | None = None

    @property
    def number(self) -> int:
        return len(self._starts)

    async def current(self, editor: DataEditor) -> PageView:
        documents, self._next = await editor.page(self.table, cursor=self._starts[-1], size=self.size)
        total = await editor.count(self.table)
        return PageView(
            self.table, documents, self._offsets[-1] + 1, total, len(self._starts) > 1, self._next is not None
        )

    async def next(self, editor: DataEditor) -> PageView:
        if self._next is not None:
            self._offsets.append(self._offsets[-1] + self.size)
            self._starts.append(self._next)
        return await self.current(editor)

    async def previous(self, editor: DataEditor) -> PageView:
        if len(self._starts) > 1:
            self._starts.pop()
            self._offsets.pop()
        return await self.current(editor)


# -- typed values ----------------------------------------------------------------------------------------
_MISSING = object()


def parse_value(text: str, like: Any = _MISSING) -> Any:
    """A typed JSON value as Convex reads arguments: bare numbers are Float64, `{"$integer": ...}` Int64.
    When the field held an Int64 (`like`), a whole number stays an Int64 so an edit keeps the type."""
    try:
        value = decode_encoded_value(json.loads(text))
    except (ValueError, ConvexValueError) as exc:
        raise ValueError(f'Not a JSON value ({exc}). Strings need quotes: "text".') from None
    if isinstance(like, int) and not isinstance(like, bool) and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "Int64"
    if isinstance(value, float):
        return "Float64"
    if isinstance(value, bytes):
        return "bytes"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def show_value(value: Any) -> str:
    """A value as one line of JSON that `parse_value` reads back to the same value: Convex-encoded JSON,
    except that a top-level Int64 is a bare integer (the editor keeps it an Int64)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return json.dumps(encode_json_value(value), ensure_ascii=False)


def document_fields(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(field, type, value) rows of a document, the system fields first; `_creationTime` in UTC words."""
    rows = []
    for field, value in document.items():
        shown = show_value(value)
        if field == "_creationTime" and isinstance(value, (int, float)):
            shown = f"{datetime.fromtimestamp(value / 1000, timezone.utc):%Y-%m-%d %H:%M:%S.%f}"[:-3] + " UTC"
        rows.append((field, type_name(value), shown))
    return sorted(rows, key=lambda row: not row[0].startswith("_"))


SHOWN_VALUE = 120  # characters of a value in a confirmation and the incident log


def value_words(value: Any = _MISSING) -> str:
    """A value and its type for a confirmation and the incident log: `4982 (Int64)`, `"a" (string)`."""
    if value is _MISSING:
        return "not set"
    shown = show_value(value)
    return f"{shown if len(shown) <= SHOWN_VALUE else shown[: SHOWN_VALUE - 1] + '…'} ({type_name(value)})"


@dataclass(frozen=True)
class FieldEdit:
    """One field of one document set to a new value: what the confirmation and the incident log say."""

    table: str
    doc_id: str
    field: str
    old: Any
    new: Any

    @classmethod
    def of(cls, table: str, document: dict[str, Any], field: str, new: Any) -> FieldEdit:
        return cls(table, document["_id"], field, document.get(field, _MISSING), new)

    @property
    def type_changes(self) -> bool:
        """The field exists with another type: an Int64 given 4982.5 becomes a Float64, and every reader of
        the field sees the other type from then on."""
        return self.old is not _MISSING and type_name(self.old) != type_name(self.new)

    @property
    def old_type(self) -> str:
        return "not set" if self.old is _MISSING else type_name(self.old)

    def words(self) -> str:
        change = " — TYPE CHANGED" if self.type_changes else ""
        return (
            f"set {self.field} of {self.doc_id} in {self.table}: {value_words(self.old)} → "
            f"{value_words(self.new)}{change}"
        )

    def type_question(self) -> str:
        return (
            f"{self.field}: {value_words(self.old)} → {value_words(self.new)}. This edit CHANGES THE FIELD'S "
            f"TYPE from {self.old_type} to {type_name(self.new)}."
        )


def fields_line(document: dict[str, Any]) -> str:
    """A document's own fields on one line, plain values before objects and arrays, so that the start of
    the line (all a narrow terminal shows) says the most."""
    fields = [(k, v) for k, v in document.items() if not k.startswith("_")]
    fields.sort(key=lambda item: isinstance(item[1], (bytes, dict, list)) + isinstance(item[1], (dict, list)))
    return "  ".join(f"{k}: {f'<{len(v)} bytes>' if isinstance(v, bytes) else show_value(v)}" for k, v in fields)


async def has_user_functions(target: BackupTarget) -> bool:
    info = await target.info()
    return info.kind != "sandbox"
