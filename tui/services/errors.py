"""Refusals of the service layer. They extend `tui.api.errors` so one `except ConvexApiError` (and one
exit-code table) covers both: a refusal is a `Refused`, a plan limit is also a `PlanLimit`. The API's errors
are re-exported here for the UI, which takes no types from `tui.api`."""

from __future__ import annotations

# The API's errors, re-exported: screens and widgets take them from here, never from `tui.api`.
from tui.api.errors import (
    AuthError,
    Conflict,
    ConvexApiError,
    CredentialsError,
    FunctionError,
    ImportFailed,
    InvalidRequest,
    NetworkError,
    NotFound,
    PermissionDenied,
    PlanLimit,
    ProtocolError,
    RateLimited,
    RequestTimeout,
    ServerError,
    ServiceUnavailable,
    StateError,
)

__all__ = [
    "AuthError",
    "BackupLimitReached",
    "BadArgument",
    "ConfigError",
    "Conflict",
    "ConvexApiError",
    "CredentialsError",
    "FunctionError",
    "ImportFailed",
    "InvalidRequest",
    "NetworkError",
    "NotEntitled",
    "NotFound",
    "PermissionDenied",
    "PlanLimit",
    "ProtocolError",
    "RateLimited",
    "ReadOnlyRefused",
    "Refused",
    "RequestTimeout",
    "RestoreRefused",
    "ServerError",
    "ServiceUnavailable",
    "StateError",
]


class Refused(ConvexApiError):
    """The app refused to do something for safety (nothing was sent)."""


class ReadOnlyRefused(Refused):
    """The profile marks the deployment read-only."""

    def __init__(self, deployment: str, action: str):
        super().__init__(
            f"{deployment} is marked read_only in your profile, so this app will not {action} it. "
            "Remove `read_only = true` from its [profiles.*.deployments] entry in config.toml to allow it.",
            code="ReadOnlyDeployment",
        )


class BackupLimitReached(PlanLimit):
    """The deployment already keeps as many backups as its plan allows (checked before requesting)."""


class NotEntitled(PlanLimit):
    """The plan lacks a feature (periodic backups are a Convex Pro feature)."""


class ConfigError(ConvexApiError):
    """config.toml is malformed, or names a profile that does not exist."""


class BadArgument(ConfigError):
    """A value given to a command cannot be what it names (a Convex Cloud backup id that is not a number)."""


class RestoreRefused(Refused):
    """Convex would refuse this restore or import (or it would collide with work running on the target):
    found before anything was done, so no safety backup was spent on it."""
