"""Response shapes, field for field as Convex sends them."""

from __future__ import annotations

from typing import Any


def team_response(team: dict[str, Any]) -> dict[str, Any]:
    """`TeamResponse` (big brain and /v1)."""
    return {
        "id": team["id"],
        "name": team["name"],
        "slug": team["slug"],
        "creator": team["creator"],
        "suspended": False,
        "referralCode": team["referral_code"],
        "referredBy": None,
        "managedBy": None,
        "defaultRegion": team["default_region"],
        "ssoLoginId": None,
        "managedByUrl": None,
    }


def project_details(project: dict[str, Any], deployments: list[dict[str, Any]]) -> dict[str, Any]:
    """`ProjectDetails` (big brain): names of the project's default prod and dev deployments."""

    def default(kind: str) -> str | None:
        rows = [d for d in deployments if d["deployment_type"] == kind]
        rows.sort(key=lambda d: (not d["is_default"], d["id"]))
        return rows[0]["name"] if rows else None

    return {
        "id": project["id"],
        "name": project["name"],
        "slug": project["slug"],
        "teamId": project["team_id"],
        "createTime": project["create_time"],
        "prodDeploymentName": default("prod"),
        "devDeploymentName": default("dev"),
    }


def project_response(project: dict[str, Any], deployments: list[dict[str, Any]], team_slug: str) -> dict[str, Any]:
    """`ProjectResponse` (/v1): ProjectDetails plus `teamSlug`."""
    return {**project_details(project, deployments), "teamSlug": team_slug}


def deployment_response(row: dict[str, Any], url: str) -> dict[str, Any]:
    """`PlatformDeploymentResponse`, kind cloud."""
    return {
        "kind": "cloud",
        "id": row["id"],
        "name": row["name"],
        "createTime": row["create_time"],
        "lastDeployTime": row["last_deploy_time"],
        "deploymentType": row["deployment_type"],
        "projectId": row["project_id"],
        "creator": row["creator"],
        "previewIdentifier": row["preview_identifier"],
        "region": row["region"],
        "isDefault": bool(row["is_default"]),
        "reference": row["reference"],
        "dashboardEditConfirmation": None,
        "deploymentUrl": url,
        "expiresAt": row["expires_at"],
        "class": row["class"],
        "sendLogsToClient": None,
    }


def cloud_backup_response(backup: dict[str, Any], deployment_name: str) -> dict[str, Any]:
    """`CloudBackupResponse`; `completedTime` is present once the backup is complete."""
    response = {
        "id": backup["id"],
        "sourceDeploymentId": backup["deployment_id"],
        "sourceDeploymentName": deployment_name,
        "state": backup["state"],
        "snapshotId": backup["snapshot_id"],
        "requestedTime": backup["requested_time"],
        "expirationTime": backup["expiration_time"],
        "includeStorage": bool(backup["include_storage"]),
    }
    if backup["completed_time"] is not None:
        response["completedTime"] = backup["completed_time"]
    return response


def periodic_config_response(config: dict[str, Any]) -> dict[str, Any]:
    """`PeriodicBackupConfig`."""
    return {
        "sourceDeploymentId": config["deployment_id"],
        "cronspec": config["cronspec"],
        "expirationDeltaSecs": config["expiration_delta_secs"],
        "nextRun": config["next_run"],
        "includeStorage": bool(config["include_storage"]),
    }


def deployment_info(row: dict[str, Any], project: dict[str, Any]) -> dict[str, Any]:
    """What a platform-served deployment answers on `/api/v1/deployment_info`."""
    return {
        "kind": "cloud",
        "teamId": project["team_id"],
        "projectId": project["id"],
        "projectName": project["name"],
        "projectSlug": project["slug"],
        "id": row["id"],
        "deploymentType": row["deployment_type"],
        "reference": row["reference"],
    }
