"""What a restore or import would be refused for, found before anything happens (tui/commands/README.md,
"Restoring"): a backup of another team, of another region, a dedicated target, a backup or a restore already
running on the target. Convex refuses these anyway (`CrossTeamRestore`, `CrossRegionRestore`,
`DedicatedDeploymentRestore`, `BackupInProgress`, `RestoreInProgress`: tui/emulator/README.md, "Emulator
decisions");
checking them first means no safety backup is spent on a restore that cannot happen. Each message says
what would get past it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from tui.api.deployment.models import SnapshotImport
from tui.services.errors import RestoreRefused
from tui.services.records import BackupRecord, DeploymentRef
from tui.services.restore.staged_imports import ImportRecord

if TYPE_CHECKING:
    from tui.services.protocol import BackupTarget

DOWNLOAD_AND_IMPORT = (
    "Download the backup (convex-backups download {backup} --deployment {source}) and import "
    "the ZIP into {target} (convex-backups import FILE --deployment {target}); no flag of "
    "restore gets past this."
)
ENDED_IMPORT_STATES = ("completed", "failed", "canceled")


def cross_refusal(backup: BackupRecord, source: DeploymentRef | None, target: DeploymentRef) -> RestoreRefused | None:
    """The rules that depend only on where the backup and the target live (`source` None: not listed, so
    only the target's own rule is checked)."""
    advice = DOWNLOAD_AND_IMPORT.format(backup=backup.id, source=backup.source_deployment, target=target.name)
    if source is not None and source.team and target.team and source.team != target.team:
        return RestoreRefused(
            f"Backup {backup.id} of {source.name} belongs to team {source.team}; Convex restores it only into "
            f"deployments of that team, and {target.name} is in team {target.team}. {advice}",
            code="CrossTeamRestore",
        )
    if target.is_dedicated:
        return RestoreRefused(
            f"{target.name} is a dedicated deployment; Convex restores no cloud backup into it. Restore it from its "
            "physical backups (Convex support), or import a ZIP with convex-backups import; no flag of restore "
            "gets past this.",
            code="DedicatedDeploymentRestore",
        )
    if source is not None and source.region and target.region and source.region != target.region:
        return RestoreRefused(
            f"Backup {backup.id} of {source.name} is in {source.region} and {target.name} in {target.region}; "
            f"Convex restores a backup only within its region. {advice}",
            code="CrossRegionRestore",
        )
    return None


def running_backup_refusal(target: DeploymentRef, backups: Iterable[BackupRecord]) -> RestoreRefused | None:
    running = next((b for b in backups if b.is_running), None)
    if running is None:
        return None
    return RestoreRefused(
        f"Backup {running.id} of {target.name} is {running.state}; Convex restores nothing into a deployment "
        "while it is being backed up. Wait for it to end (convex-backups list shows it) and start again; no flag "
        "gets past this.",
        code="BackupInProgress",
    )


def running_import_refusal(
    target: DeploymentRef, imports: Iterable[SnapshotImport | ImportRecord], *, cloud_restore: bool
) -> RestoreRefused | None:
    """An import writing into the target now; for a restore from a cloud backup also Convex's own rule, the
    newest cloud restore not ended (`RestoreInProgress`), whoever started it (the dashboard, another
    operator). `imports` newest first, as the deployment lists them."""
    imports = list(imports)
    writing = next((i for i in imports if i.state == "in_progress"), None)
    if writing is None and cloud_restore:
        newest = next((i for i in imports if i.requestor_type == "cloudRestore"), None)
        if newest is not None and newest.state not in ENDED_IMPORT_STATES:
            writing = newest
    if writing is None:
        return None
    what = "writing into it" if writing.state == "in_progress" else f"{writing.state.replace('_', ' ')}"
    return RestoreRefused(
        f"Import {writing.id} of {target.name} is {what}; a second restore would be refused or collide with it. "
        "Wait for it to end, or cancel one that waits for confirmation (Convex dashboard, Settings, Snapshot "
        "Import), then start again; no flag gets past this.",
        code="RestoreInProgress",
    )


async def refuse_while_running(target: BackupTarget, deployment: DeploymentRef, *, cloud_restore: bool) -> None:
    """Raises the refusal for a backup running on `deployment`, else for an import running there (the imports
    are listed only when no backup runs). Every kind of target checks this before a restore or an import."""
    refusal = running_backup_refusal(deployment, await target.list_backups(deployment))
    if refusal is None:
        imports = await target.list_imports(deployment)
        refusal = running_import_refusal(deployment, imports, cloud_restore=cloud_restore)
    if refusal is not None:
        raise refusal
