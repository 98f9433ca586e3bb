"""The API layer's typed models in one import: big brain's (teams, projects, deployments, backups,
schedules, credentials) and a deployment's (exports, imports, checkpoints, deployment info, documents,
environment variables). Built from the wire JSON with tolerant parsing; see the two modules for details.
"""

from tui.api.deployment.models import (
    EXPORT_TERMINAL_STATES,
    IMPORT_TERMINAL_STATES,
    DeploymentInfo,
    DocumentPage,
    EnvironmentVariables,
    Export,
    ImportCheckpoint,
    SnapshotImport,
)
from tui.api.platform.models import (
    BACKUP_STATES,
    CloudBackup,
    Deployment,
    DeploymentCredentials,
    Entitlements,
    InstanceAuth,
    MemberData,
    Page,
    PeriodicBackupConfig,
    Project,
    Team,
    TeamAndProject,
    TokenDetails,
)
from tui.api.wire_values import as_bool, as_float, as_int, as_str

__all__ = [
    "BACKUP_STATES",
    "EXPORT_TERMINAL_STATES",
    "IMPORT_TERMINAL_STATES",
    "CloudBackup",
    "Deployment",
    "DeploymentCredentials",
    "DeploymentInfo",
    "DocumentPage",
    "Entitlements",
    "EnvironmentVariables",
    "Export",
    "ImportCheckpoint",
    "InstanceAuth",
    "MemberData",
    "Page",
    "PeriodicBackupConfig",
    "Project",
    "SnapshotImport",
    "Team",
    "TeamAndProject",
    "TokenDetails",
    "as_bool",
    "as_float",
    "as_int",
    "as_str",
]
