"""Where things live inside a snapshot ZIP."""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass

README_NAME = "README.md"
TABLES_DIR = "_tables"
STORAGE_DIR = "_storage"
DOCUMENTS_FILE = "documents.jsonl"
SCHEMA_FILE = "generated_schema.jsonl"
UNIFORM_MARKER = b'"uniform"\n'

README_TEXT = """# Welcome to your Convex snapshot export!

This ZIP file contains a snapshot of the tables in your Convex deployment.

Documents for each table are listed as lines of JSON in <table_name>/documents.jsonl files.
Files in file storage, when included, are in _storage/ with their metadata in _storage/documents.jsonl.

For details on the format and how to use this snapshot with npx convex import, see
https://docs.convex.dev/database/import-export/ and the Convex community.
"""

_FILENAME = re.compile(r"snapshot_(?:(?P<deployment>.+)_)?(?P<ts>\d+)\.zip\Z")


def snapshot_filename(deployment_name: str, snapshot_ts_ns: int) -> str:
    return f"snapshot_{deployment_name}_{snapshot_ts_ns}.zip"


def parse_snapshot_filename(name: str) -> tuple[str | None, int] | None:
    """(deployment name or None, ts ns) for a Convex snapshot file name, else None."""
    match = _FILENAME.match(name)
    if not match:
        return None
    return match.group("deployment"), int(match.group("ts"))


def component_prefix(component_path: str) -> str:
    """'' for the root, '_components/a/_components/b/' for 'a/b'."""
    if not component_path:
        return ""
    return "".join(f"_components/{part}/" for part in component_path.split("/"))


def storage_extension(content_type: str | None) -> str:
    if not content_type:
        return ""
    return mimetypes.guess_extension(content_type.split(";")[0].strip(), strict=False) or ""


@dataclass(frozen=True)
class MemberPath:
    """What an entry name means to the importer."""

    kind: str  # "documents" | "schema" | "tables" | "storage_index" | "storage_file" | "ignored"
    component_path: str = ""
    table: str = ""
    storage_id: str = ""

    @property
    def is_jsonl(self) -> bool:
        """Whether the importer reads the member line by line."""
        return self.kind in ("documents", "schema", "tables", "storage_index")


_COMPONENT_SEGMENT = re.compile(r"_components/([^/]+)/\Z")


def _component_of(prefix: str) -> str:
    """Repeated `_components/<name>/` segments from the right select the component; other folders are ignored."""
    parts: list[str] = []
    rest = prefix
    while True:
        match = _COMPONENT_SEGMENT.search(rest)
        if not match:
            break
        parts.append(match.group(1))
        rest = rest[: match.start()]
    return "/".join(reversed(parts))


def classify_member(name: str) -> MemberPath:
    if name.endswith("/"):
        return MemberPath("ignored")
    head, _, leaf = name.rpartition("/")
    if not head:
        return MemberPath("ignored")
    folder_prefix, _, folder = head.rpartition("/")
    prefix = folder_prefix + "/" if folder_prefix else ""
    component = _component_of(prefix)
    if folder == STORAGE_DIR:
        if leaf == DOCUMENTS_FILE:
            return MemberPath("storage_index", component, STORAGE_DIR)
        if leaf.startswith("documents."):
            return MemberPath("ignored")
        return MemberPath("storage_file", component, STORAGE_DIR, leaf.split(".", 1)[0])
    if leaf == DOCUMENTS_FILE:
        if folder == TABLES_DIR:
            return MemberPath("tables", component, TABLES_DIR)
        return MemberPath("documents", component, folder)
    if leaf == SCHEMA_FILE:
        return MemberPath("schema", component, folder)
    return MemberPath("ignored")
