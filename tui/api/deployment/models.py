"""Typed, immutable views of a deployment's answers: `_exports` rows, `_snapshot_imports` rows
and their checkpoints, `deployment_info`, a page of documents and the environment variables.
Deployment `*_ts` fields are nanoseconds (int); `_creationTime` is float milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tui.api.wire_values import as_bool, as_float, as_int, as_list, as_mapping, as_str, object_of


# -- deployment: exports and imports --------------------------------------------------------------------
EXPORT_TERMINAL_STATES = ("completed", "failed", "canceled")


@dataclass(frozen=True)
class Export:
    """An `_exports` row. Timestamps are nanoseconds."""

    id: str
    state: str
    include_storage: bool = False
    requestor: str = "snapshotExport"
    component: str | None = None
    creation_time_ms: float | None = None
    start_ts: int | None = None
    complete_ts: int | None = None
    expiration_ts: int | None = None
    failed_ts: int | None = None
    canceled_ts: int | None = None
    progress_message: str | None = None
    size: int | None = None

    @classmethod
    def from_json(cls, data: Any) -> Export:
        d = object_of(data, "an export")
        fmt = as_mapping(d.get("format"))
        return cls(
            id=as_str(d.get("_id"), ""),
            state=as_str(d.get("state"), "unknown"),
            include_storage=as_bool(fmt.get("include_storage")),
            requestor=as_str(d.get("requestor"), "snapshotExport"),
            component=as_str(d.get("component")),
            creation_time_ms=as_float(d.get("_creationTime")),
            start_ts=as_int(d.get("start_ts")),
            complete_ts=as_int(d.get("complete_ts")),
            expiration_ts=as_int(d.get("expiration_ts")),
            failed_ts=as_int(d.get("failed_ts")),
            canceled_ts=as_int(d.get("canceled_ts")),
            progress_message=as_str(d.get("progress_message")),
            size=as_int(d.get("size")),
        )

    @property
    def is_terminal(self) -> bool:
        return self.state in EXPORT_TERMINAL_STATES

    @property
    def snapshot_ts(self) -> int | None:
        """The database time the completed ZIP reflects (its file name and `/api/export/zip/{ts}`)."""
        return self.start_ts if self.state == "completed" else None


IMPORT_TERMINAL_STATES = ("completed", "failed")


@dataclass(frozen=True)
class ImportCheckpoint:
    display_table_name: str
    total_num_rows_to_write: int = 0
    num_rows_written: int = 0
    existing_rows_in_table: int = 0
    existing_rows_to_delete: int = 0
    component_path: str | None = None
    is_missing_id_field: bool = False

    @classmethod
    def from_json(cls, data: Any) -> ImportCheckpoint:
        d = object_of(data, "an import checkpoint")
        return cls(
            display_table_name=as_str(d.get("display_table_name"), ""),
            total_num_rows_to_write=as_int(d.get("total_num_rows_to_write"), 0),
            num_rows_written=as_int(d.get("num_rows_written"), 0),
            existing_rows_in_table=as_int(d.get("existing_rows_in_table"), 0),
            existing_rows_to_delete=as_int(d.get("existing_rows_to_delete"), 0),
            component_path=as_str(d.get("component_path")),
            is_missing_id_field=as_bool(d.get("is_missing_id_field")),
        )

    @property
    def fraction(self) -> float | None:
        if self.total_num_rows_to_write <= 0:
            return None
        return min(1.0, self.num_rows_written / self.total_num_rows_to_write)


@dataclass(frozen=True)
class SnapshotImport:
    """A `_snapshot_imports` row; the fields of `state` are flattened."""

    id: str
    state: str
    format: str = "zip"
    table: str | None = None
    mode: str | None = None  # as stored: RequireEmpty, Append, Replace, ReplaceAll
    component_path: str | None = None
    creation_time_ms: float | None = None
    member_id: int | None = None
    requestor_type: str = "snapshotImport"
    source_cloud_backup_id: int | None = None
    checkpoints: tuple[ImportCheckpoint, ...] = ()
    message_to_confirm: str | None = None
    require_manual_confirmation: bool | None = None
    progress_message: str | None = None
    checkpoint_messages: tuple[str, ...] = ()
    timestamp_ns: int | None = None
    num_rows_written: int | None = None
    error_message: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> SnapshotImport:
        d = object_of(data, "an import")
        state = as_mapping(d.get("state"), {"state": d.get("state")})
        fmt = as_mapping(d.get("format"), {"format": d.get("format")})
        requestor = as_mapping(d.get("requestor"))
        checkpoints = as_list(d.get("checkpoints"))
        messages = as_list(state.get("checkpoint_messages"))
        manual = state.get("require_manual_confirmation")
        return cls(
            id=as_str(d.get("_id"), ""),
            state=as_str(state.get("state"), "unknown"),
            format=as_str(fmt.get("format"), "zip"),
            table=as_str(fmt.get("table")),
            mode=as_str(d.get("mode")),
            component_path=as_str(d.get("component_path")),
            creation_time_ms=as_float(d.get("_creationTime")),
            member_id=as_int(d.get("member_id")),
            requestor_type=as_str(requestor.get("type"), "snapshotImport"),
            source_cloud_backup_id=as_int(requestor.get("sourceCloudBackupId")),
            checkpoints=tuple(ImportCheckpoint.from_json(c) for c in checkpoints if isinstance(c, Mapping)),
            message_to_confirm=as_str(state.get("message_to_confirm")),
            require_manual_confirmation=manual if isinstance(manual, bool) else None,
            progress_message=as_str(state.get("progress_message")),
            checkpoint_messages=tuple(m for m in messages if isinstance(m, str)),
            timestamp_ns=as_int(state.get("timestamp")),
            num_rows_written=as_int(state.get("num_rows_written")),
            error_message=as_str(state.get("error_message")),
        )

    @property
    def is_terminal(self) -> bool:
        return self.state in IMPORT_TERMINAL_STATES

    @property
    def is_cloud_restore(self) -> bool:
        return self.requestor_type == "cloudRestore"

    @property
    def fraction(self) -> float | None:
        """Σ written / Σ to write over the checkpoints (1.0 once completed); None when unknown."""
        if self.state == "completed":
            return 1.0
        total = sum(c.total_num_rows_to_write for c in self.checkpoints)
        if total <= 0:
            return None
        written = sum(min(c.num_rows_written, c.total_num_rows_to_write) for c in self.checkpoints)
        return min(1.0, written / total)


# -- deployment: identity ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeploymentInfo:
    """`GET /api/v1/deployment_info`: `{"kind": "selfHosted"}` or the cloud fields."""

    kind: str
    team_id: int | None = None
    project_id: int | None = None
    project_name: str | None = None
    project_slug: str | None = None
    deployment_id: int | None = None
    deployment_type: str | None = None
    reference: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> DeploymentInfo:
        d = object_of(data, "deployment info")
        return cls(
            kind=as_str(d.get("kind"), "unknown"),
            team_id=as_int(d.get("teamId")),
            project_id=as_int(d.get("projectId")),
            project_name=as_str(d.get("projectName")),
            project_slug=as_str(d.get("projectSlug")),
            deployment_id=as_int(d.get("id")),
            deployment_type=as_str(d.get("deploymentType")),
            reference=as_str(d.get("reference")),
        )

    @property
    def is_self_hosted(self) -> bool:
        return self.kind == "selfHosted"


@dataclass(frozen=True)
class DocumentPage:
    """One page of `paginatedTableDocuments`: a short (even empty) page does not mean the end."""

    documents: tuple[dict[str, Any], ...]
    is_done: bool
    continue_cursor: str | None


class EnvironmentVariables(Mapping[str, str]):
    """A deployment's environment variables: a read-only mapping whose repr names the variables only."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, str]):
        self._values = dict(sorted(values.items()))

    def __getitem__(self, name: str) -> str:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"EnvironmentVariables(names={list(self._values)!r})"

    __str__ = __repr__


# -- pausing and the audit log --------------------------------------------------------------------------
@dataclass(frozen=True)
class BackendState:
    """`_backend_state`: three independent fields; the deployment is stopped if any is not "none"."""

    system: str = "none"  # "disabled" | "suspended": set by Convex, cannot be undone by the user
    usage_limit: str = "none"  # "disabled": a usage limit was crossed
    user: str = "none"  # "paused": set by pause_deployment

    @classmethod
    def from_json(cls, data: Any) -> BackendState:
        d = object_of(data, "the backend state")
        return cls(as_str(d.get("system"), "none"), as_str(d.get("usage_limit"), "none"), as_str(d.get("user"), "none"))


@dataclass(frozen=True)
class AuditEvent:
    """One deployment audit-log event; `create_time_ms` in milliseconds."""

    action: str
    create_time_ms: int
    metadata: Mapping[str, Any]
    id: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> AuditEvent:
        d = object_of(data, "an audit log event")
        metadata = as_mapping(d.get("metadata"))
        return cls(as_str(d.get("action"), "unknown"), as_int(d.get("createTime")) or 0, metadata, as_str(d.get("id")))
