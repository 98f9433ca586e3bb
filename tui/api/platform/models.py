"""Typed, immutable views of big brain's answers: teams, entitlements, projects,
deployments, cloud backups, periodic backup schedules and credentials. Times are milliseconds since the
epoch; ids are integers. Every model has `from_json(data)`: unknown fields are ignored, optional ones may be
missing, and a value of the wrong overall shape raises `ProtocolError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from tui.api.secrets import Secret
from tui.api.wire_values import as_bool, as_int, as_str, list_of, object_of

T = TypeVar("T")


# -- big brain: teams, projects, deployments --------------------------------------------------------------
@dataclass(frozen=True)
class Team:
    id: int
    name: str
    slug: str
    creator: int | None = None
    suspended: bool = False
    default_region: str | None = None
    managed_by: str | None = None  # "vercel", an OAuth app name, or None
    sso_login_id: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Team:
        d = object_of(data, "a team")
        managed = d.get("managedBy")
        if isinstance(managed, Mapping):
            managed = as_str(managed.get("oauthApp"))
        return cls(
            id=as_int(d.get("id"), 0),
            name=as_str(d.get("name"), ""),
            slug=as_str(d.get("slug"), ""),
            creator=as_int(d.get("creator")),
            suspended=as_bool(d.get("suspended")),
            default_region=as_str(d.get("defaultRegion")),
            managed_by=as_str(managed),
            sso_login_id=as_str(d.get("ssoLoginId")),
        )


@dataclass(frozen=True)
class Entitlements:
    """The backup-relevant entitlements; `raw` keeps every field the server sent."""

    periodic_backups_enabled: bool = False
    max_cloud_backups: int = 2
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Any) -> Entitlements:
        d = object_of(data, "entitlements")
        return cls(
            periodic_backups_enabled=as_bool(d.get("periodicBackupsEnabled")),  # dashboard fallback: False
            max_cloud_backups=as_int(d.get("maxCloudBackups"), 2),  # dashboard fallback: 2
            raw=dict(d),
        )


@dataclass(frozen=True)
class Project:
    id: int
    name: str
    slug: str
    team_id: int | None = None
    team_slug: str | None = None
    create_time_ms: int | None = None
    prod_deployment_name: str | None = None
    dev_deployment_name: str | None = None
    is_demo: bool = False

    @classmethod
    def from_json(cls, data: Any) -> Project:
        d = object_of(data, "a project")
        return cls(
            id=as_int(d.get("id"), 0),
            name=as_str(d.get("name"), ""),
            slug=as_str(d.get("slug"), ""),
            team_id=as_int(d.get("teamId")),
            team_slug=as_str(d.get("teamSlug")),
            create_time_ms=as_int(d.get("createTime")),
            prod_deployment_name=as_str(d.get("prodDeploymentName")),
            dev_deployment_name=as_str(d.get("devDeploymentName")),
            is_demo=as_bool(d.get("isDemo")),
        )


@dataclass(frozen=True)
class Deployment:
    """`PlatformDeploymentResponse`: `kind` is "cloud" (has a numeric id and a URL) or "local"."""

    kind: str
    name: str
    deployment_type: str = "dev"
    id: int | None = None
    project_id: int | None = None
    create_time_ms: int | None = None
    last_deploy_time_ms: int | None = None
    creator: int | None = None
    region: str | None = None
    is_default: bool = False
    reference: str | None = None
    deployment_url: str | None = None
    deployment_class: str | None = None
    expires_at_ms: int | None = None
    preview_identifier: str | None = None
    port: int | None = None  # local only
    device_name: str | None = None  # local only
    is_active: bool | None = None  # local only

    @classmethod
    def from_json(cls, data: Any) -> Deployment:
        d = object_of(data, "a deployment")
        kind = as_str(d.get("kind"), "cloud" if d.get("id") is not None else "local")
        return cls(
            kind=kind,
            name=as_str(d.get("name"), ""),
            deployment_type=as_str(d.get("deploymentType"), "dev"),
            id=as_int(d.get("id")),
            project_id=as_int(d.get("projectId")),
            create_time_ms=as_int(d.get("createTime")),
            last_deploy_time_ms=as_int(d.get("lastDeployTime")),
            creator=as_int(d.get("creator")),
            region=as_str(d.get("region")),
            is_default=as_bool(d.get("isDefault")),
            reference=as_str(d.get("reference")),
            deployment_url=as_str(d.get("deploymentUrl")),
            deployment_class=as_str(d.get("class")),
            expires_at_ms=as_int(d.get("expiresAt")),
            preview_identifier=as_str(d.get("previewIdentifier")),
            port=as_int(d.get("port")),
            device_name=as_str(d.get("deviceName")),
            is_active=d.get("isActive") if isinstance(d.get("isActive"), bool) else None,
        )

    @property
    def url(self) -> str | None:
        if self.deployment_url:
            return self.deployment_url.rstrip("/")
        if self.kind == "local" and self.port:
            return f"http://127.0.0.1:{self.port}"
        return None

    @property
    def supports_cloud_backups(self) -> bool:
        return self.kind == "cloud" and self.id is not None

    @property
    def is_prod(self) -> bool:
        return self.deployment_type == "prod"

    @property
    def is_dedicated(self) -> bool:
        """Dedicated classes (`d1024`, ...) get no ZIP restore through the dashboard."""
        return bool(self.deployment_class and self.deployment_class.startswith("d"))


# -- big brain: backups ---------------------------------------------------------------------------------
BACKUP_STATES = ("requested", "inProgress", "complete", "failed", "canceled")


@dataclass(frozen=True)
class CloudBackup:
    id: int
    source_deployment_id: int
    source_deployment_name: str
    state: str
    requested_time_ms: int
    include_storage: bool = False
    snapshot_id: str | None = None
    completed_time_ms: int | None = None
    expiration_time_ms: int | None = None

    @classmethod
    def from_json(cls, data: Any) -> CloudBackup:
        d = object_of(data, "a cloud backup")
        return cls(
            id=as_int(d.get("id"), 0),
            source_deployment_id=as_int(d.get("sourceDeploymentId"), 0),
            source_deployment_name=as_str(d.get("sourceDeploymentName"), ""),
            state=as_str(d.get("state"), "unknown"),
            requested_time_ms=as_int(d.get("requestedTime"), 0),
            include_storage=as_bool(d.get("includeStorage")),
            snapshot_id=as_str(d.get("snapshotId")),
            completed_time_ms=as_int(d.get("completedTime")),
            expiration_time_ms=as_int(d.get("expirationTime")),
        )

    @property
    def is_terminal(self) -> bool:
        return self.state in ("complete", "failed", "canceled")

    @property
    def is_running(self) -> bool:
        return self.state in ("requested", "inProgress")

    @property
    def counts_toward_limit(self) -> bool:
        """The dashboard counts requested, inProgress and complete backups against `maxCloudBackups`."""
        return self.state in ("requested", "inProgress", "complete")


@dataclass(frozen=True)
class PeriodicBackupConfig:
    source_deployment_id: int
    cronspec: str
    expiration_delta_secs: int | None = None
    next_run_ms: int | None = None
    include_storage: bool = False

    @classmethod
    def from_json(cls, data: Any) -> PeriodicBackupConfig:
        d = object_of(data, "a periodic backup configuration")
        return cls(
            source_deployment_id=as_int(d.get("sourceDeploymentId"), 0),
            cronspec=as_str(d.get("cronspec"), ""),
            expiration_delta_secs=as_int(d.get("expirationDeltaSecs")),
            next_run_ms=as_int(d.get("nextRun")),
            include_storage=as_bool(d.get("includeStorage")),
        )

    @property
    def utc_minute_hour_weekday(self) -> tuple[int, int, int | None] | None:
        """(minute, hour, weekday 0=Sunday or None for daily) in UTC, as the dashboard reads the cronspec."""
        fields = self.cronspec.split()
        if len(fields) != 5 or not (fields[0].isdigit() and fields[1].isdigit()):
            return None
        weekday = None if fields[4] == "*" else (int(fields[4]) if fields[4].isdigit() else None)
        return int(fields[0]), int(fields[1]), weekday


@dataclass(frozen=True)
class InstanceAuth:
    """`POST /api/dashboard/instances/{name}/auth`: a credential the deployment accepts as `Convex <key>`."""

    kind: str
    admin_key: Secret
    instance_url: str

    @classmethod
    def from_json(cls, data: Any) -> InstanceAuth:
        d = object_of(data, "instance credentials")
        return cls(
            kind=as_str(d.get("kind"), "Cloud"),
            admin_key=Secret(as_str(d.get("adminKey"), "")),
            instance_url=as_str(d.get("instanceUrl"), "").rstrip("/"),
        )


@dataclass(frozen=True)
class DeploymentCredentials:
    """The CLI routes' `{deploymentName, adminKey, url, deploymentType, reference, isDefault}`."""

    deployment_name: str
    admin_key: Secret
    url: str
    deployment_type: str | None = None
    reference: str | None = None
    is_default: bool = False

    @classmethod
    def from_json(cls, data: Any) -> DeploymentCredentials:
        d = object_of(data, "deployment credentials")
        return cls(
            deployment_name=as_str(d.get("deploymentName"), ""),
            admin_key=Secret(as_str(d.get("adminKey"), "")),
            url=as_str(d.get("url"), "").rstrip("/"),
            deployment_type=as_str(d.get("deploymentType")),
            reference=as_str(d.get("reference")),
            is_default=as_bool(d.get("isDefault")),
        )


@dataclass(frozen=True)
class TeamAndProject:
    team_slug: str
    project_slug: str
    team_id: int | None = None
    project_id: int | None = None
    deployment_id: int | None = None
    reference: str | None = None
    is_default: bool | None = None

    @classmethod
    def from_json(cls, data: Any) -> TeamAndProject:
        d = object_of(data, "a team and project")
        return cls(
            team_slug=as_str(d.get("team"), ""),
            project_slug=as_str(d.get("project"), ""),
            team_id=as_int(d.get("teamId")),
            project_id=as_int(d.get("projectId")),
            deployment_id=as_int(d.get("deploymentId")),
            reference=as_str(d.get("reference")),
            is_default=d.get("isDefault") if isinstance(d.get("isDefault"), bool) else None,
        )


@dataclass(frozen=True)
class TokenDetails:
    """`GET /v1/token_details`: `type` is "teamToken", "projectToken" (or another kind of token)."""

    type: str
    team_id: int | None = None
    project_id: int | None = None
    id: int | None = None
    name: str | None = None
    create_time_ms: int | None = None

    @classmethod
    def from_json(cls, data: Any) -> TokenDetails:
        d = object_of(data, "token details")
        return cls(
            type=as_str(d.get("type"), "unknown"),
            team_id=as_int(d.get("teamId")),
            project_id=as_int(d.get("projectId")),
            id=as_int(d.get("id")),
            name=as_str(d.get("name")),
            create_time_ms=as_int(d.get("createTime")),
        )


@dataclass(frozen=True)
class MemberData:
    teams: tuple[Team, ...] = ()
    projects: tuple[Project, ...] = ()
    deployments: tuple[Deployment, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> MemberData:
        d = object_of(data, "member data")
        return cls(
            teams=tuple(Team.from_json(t) for t in list_of(d.get("teams", []), "teams")),
            projects=tuple(Project.from_json(p) for p in list_of(d.get("projects", []), "projects")),
            deployments=tuple(Deployment.from_json(x) for x in list_of(d.get("deployments", []), "deployments")),
        )


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a paginated list; `next_cursor` is None on the last page."""

    items: tuple[T, ...]
    has_more: bool = False
    next_cursor: str | None = None
