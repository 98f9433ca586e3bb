"""What a platform-served deployment asks the platform: is this token good here, and who am I."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui.emulator.deployment.deployment import PlatformIdentity
from tui.emulator.platform import directory, models
from tui.emulator.platform.access import tokens
from tui.emulator.platform.access.bearer_auth import principal_for_credential, principal_for_token

if TYPE_CHECKING:
    from tui.emulator.platform.service import Platform


class DeploymentLink:
    def __init__(self, platform: Platform, name: str):
        self.platform = platform
        self.name = name

    def __repr__(self) -> str:
        return f"DeploymentLink({self.name!r})"

    def identify(self, key: str) -> PlatformIdentity | None:
        """An instance credential or bare access token of a principal that can see this deployment."""
        conn = self.platform.store.conn()
        if tokens.is_instance_credential(key):
            principal = principal_for_credential(conn, self.platform.credential_key, key)
        else:
            principal = principal_for_token(conn, key)
        row = directory.existing(directory.deployment_by_name(conn, self.name), f"deployment {self.name}")
        if principal is None or row is None or directory.team_id_of_deployment(conn, row) not in principal.team_ids:
            return None
        return PlatformIdentity()

    def deployment_info(self) -> dict[str, Any]:
        conn = self.platform.store.conn()
        row = directory.existing(directory.deployment_by_name(conn, self.name), f"deployment {self.name}")
        return models.deployment_info(row, directory.existing_project(conn, row["project_id"]))
