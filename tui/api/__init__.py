"""Async clients for Convex: a deployment's API (`DeploymentClient`, `SyncClient` for live values), the
control plane (`PlatformClient`), typed models, typed errors, and finding the operator's credentials.

This layer imports neither textual nor tui.services nor tui.emulator.
"""

from tui.api.credentials import Credentials, find_credentials
from tui.api.deployment_client import DeploymentClient
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
from tui.api.http import Retry, RetryPolicy
from tui.api.http_clients import CONVEX_CLIENT
from tui.api.platform_client import PlatformClient
from tui.api.secrets import Secret
from tui.api.sync_client import SyncClient

__all__ = [
    "CONVEX_CLIENT",
    "AuthError",
    "Conflict",
    "ConvexApiError",
    "Credentials",
    "CredentialsError",
    "DeploymentClient",
    "FunctionError",
    "ImportFailed",
    "InvalidRequest",
    "NetworkError",
    "NotFound",
    "PermissionDenied",
    "PlanLimit",
    "PlatformClient",
    "ProtocolError",
    "RateLimited",
    "RequestTimeout",
    "Retry",
    "RetryPolicy",
    "Secret",
    "ServerError",
    "ServiceUnavailable",
    "StateError",
    "SyncClient",
    "find_credentials",
]
