"""Typed errors for everything the API layer can run into, each with a message a person can act on.

Every error carries Convex's `code` (when the server sent one), the HTTP `status` (when there was a
response), `detail` (the server's own message) and `message` (what to show: what happened and what to do
about it). All text is scrubbed of credentials before it is stored (see `tui.api.secrets`), so `str`,
`repr` and a traceback never show a token, key or env var value.

`error_from_response` turns a `{code, message}` error body into the right class; `ERROR_GUIDANCE`
holds the advice for the codes Convex is known to send.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable, Iterable
from typing import Any
from dataclasses import dataclass

import orjson

from tui.api.secrets import Secret, scrub

DETAIL_LIMIT = 600  # characters of a server message kept (an HTML error page can be huge)


@dataclass(frozen=True)
class Target:
    """What a request went to, for messages: `name` is a deployment name or a host; `what` a noun."""

    name: str
    what: str = "the deployment"  # or "Convex" for the platform API

    def __str__(self) -> str:
        return self.name


class ConvexApiError(Exception):
    """Base class: any failure of a call to Convex (or an emulator of it)."""

    retryable = False  # a later identical attempt may succeed

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        detail: str | None = None,
        secrets: Iterable[str | Secret | None] = (),
        retry_after: float | None = None,
    ):
        secrets = tuple(secrets)
        self.message = scrub(message, secrets)
        self.code = code
        self.status = status
        self.detail = scrub(detail, secrets)[:DETAIL_LIMIT] if detail else None
        self.retry_after = retry_after
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        parts = [f"code={self.code!r}"] if self.code else []
        if self.status is not None:
            parts.append(f"status={self.status}")
        parts.append(f"message={self.message!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    # Keep pickling (multiprocessing, logging handlers) working with keyword arguments.
    def __reduce__(self) -> tuple[Callable[..., ConvexApiError], tuple[Any, ...]]:
        return (_rebuild, (type(self), self.message, self.code, self.status, self.detail, self.retry_after))


def _rebuild(
    cls: type[ConvexApiError],
    message: str,
    code: str | None,
    status: int | None,
    detail: str | None,
    retry_after: float | None,
) -> ConvexApiError:
    error = cls.__new__(cls)
    ConvexApiError.__init__(error, message, code=code, status=status, detail=detail, retry_after=retry_after)
    return error


class InvalidRequest(ConvexApiError):
    """HTTP 400: the request or its data was refused (bad arguments, validation, a malformed file)."""


class ImportFailed(InvalidRequest):
    """An import was refused or failed (`ImportFailed` and the import validation codes)."""


class AuthError(ConvexApiError):
    """The credentials were missing, malformed, expired or not valid for this target (401, some 403)."""


class PermissionDenied(ConvexApiError):
    """The credentials are valid but may not do this (403 `OperationNotPermitted`)."""

    @property
    def action(self) -> str | None:
        """The missing action string, e.g. `deployment:backups:create`, when the server named it."""
        match = _ACTION.search(self.detail or self.message)
        return match.group(1) if match else None


class NotFound(ConvexApiError):
    """HTTP 404: no such team, project, deployment, backup, export or import (or route)."""


class Conflict(ConvexApiError):
    """The target's current state does not allow this now (an export running, an import finished, ...)."""


StateError = Conflict


class PlanLimit(Conflict):
    """A plan limit or missing entitlement (backup count, periodic backups, spending limit)."""


class RateLimited(ConvexApiError):
    """HTTP 429: too many requests; `retry_after` says how long to wait when the server said."""

    retryable = True


class ServerError(ConvexApiError):
    """HTTP 5xx: the server failed; trying again later may work."""

    retryable = True


class ServiceUnavailable(ServerError):
    """HTTP 503 (overloaded, restarting) or a gateway error (502/504)."""


class NetworkError(ConvexApiError):
    """No usable response: could not connect, or the connection dropped."""

    retryable = True


class RequestTimeout(NetworkError, builtins.TimeoutError):
    """The server did not answer (or finish answering) in time."""


class FunctionError(ConvexApiError):
    """A Convex function (query or mutation) threw: `detail` is its message, `data` its ConvexError data."""

    def __init__(self, message: str, *, data: Any = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.data = data


class FunctionPermissionDenied(FunctionError, PermissionDenied):
    """A system function refused for lack of permission ("You do not have permission ...")."""


class ProtocolError(ConvexApiError):
    """The server answered with something this client does not understand (wrong shape, not JSON)."""


class CredentialsError(ConvexApiError):
    """The operator's configuration (environment, `.env.local`, `~/.convex`) is inconsistent or malformed."""


# -- turning a response into an error --------------------------------------------------------------------

_ACTION = re.compile(r"\(([a-z]+:[A-Za-z:]+)\)")
PERMISSION_SENTENCE = "You do not have permission to perform this operation"
_FRESH_ADMIN_KEY = (
    "Convex dashboard > Deployment Settings > URL & Deploy Key, or `./generate_admin_key.sh` in a "
    "self-hosted backend's container"
)
_LOGIN_AGAIN = "run `npx convex login` again (or set CONVEX_OVERRIDE_ACCESS_TOKEN to a valid token)"

Guidance = Callable[[Target, str], str]  # (target, server message) -> message for a person


def _then(said: str, advice: str) -> str:
    """The server's message as it was sent, then our advice."""
    said = said.strip()
    return f"{said}{'' if said.endswith(('.', '!', '?')) else '.'} {advice}"


ERROR_GUIDANCE: dict[str, tuple[type[ConvexApiError], Guidance]] = {
    # deployment authentication
    "BadAdminKey": (
        AuthError,
        lambda t, d: f"The admin key was rejected by {t}: get a fresh one ({_FRESH_ADMIN_KEY}).",
    ),
    "BadDeployKey": (
        AuthError,
        lambda t, d: (
            f"{t} did not receive an admin key or deploy key it accepts: set CONVEX_DEPLOY_KEY or "
            "CONVEX_SELF_HOSTED_ADMIN_KEY, or log in with `npx convex login`."
        ),
    ),
    "InvalidAdminKey": (AuthError, lambda t, d: f"The credential sent to {t} is not an admin key: check its format."),
    "InvalidHeaderFailure": (AuthError, lambda t, d: f"The credential sent to {t} is malformed: check it."),
    "OperationNotPermitted": (
        PermissionDenied,
        lambda t, d: (
            f"The key used for {t} is not allowed to do this"
            + (f" (it lacks {m.group(1)})" if (m := _ACTION.search(d)) else "")
            + ": use a key with that permission, or ask a team admin."
        ),
    ),
    # big brain authentication
    "AccessTokenInvalid": (AuthError, lambda t, d: f"Your Convex login is no longer valid: {_LOGIN_AGAIN}."),
    "InvalidIdentity": (AuthError, lambda t, d: f"Convex did not accept your login ({d}): {_LOGIN_AGAIN}."),
    # The server's words first: what big brain says with this code is not known in detail.
    "SSORequired": (
        AuthError,
        lambda t, d: _then(
            d or "The team requires single sign-on.",
            "To sign in with single sign-on, run `npx convex login` and choose SSO.",
        ),
    ),
    "TeamNotFound": (NotFound, lambda t, d: "That team was not found, or your login is not a member of it."),
    "ProjectNotFound": (NotFound, lambda t, d: "That project was not found, or your login has no access to it."),
    "DeploymentNotFound": (NotFound, lambda t, d: "That deployment was not found, or your login has no access to it."),
    "ExceededSpendingLimit": (
        PlanLimit,
        lambda t, d: "The team has reached its spending limit: raise it in the Convex dashboard's billing settings.",
    ),
    # exports
    "ExportInProgress": (
        Conflict,
        lambda t, d: (
            f"{t} is already taking a backup, and Convex runs one at a time: wait for it to finish "
            "(or cancel it), then try again."
        ),
    ),
    "ExportNotComplete": (Conflict, lambda t, d: "That backup is not finished yet: wait until it is complete."),
    "ExportNotFound": (NotFound, lambda t, d: f"That backup no longer exists on {t} (it may have expired)."),
    "BadSnapshotId": (InvalidRequest, lambda t, d: "That is not a backup id or snapshot timestamp."),
    "SnapshotExpirationInPast": (InvalidRequest, lambda t, d: "The new expiration time is in the past."),
    "SnapshotExpirationTooLarge": (
        InvalidRequest,
        lambda t, d: "The new expiration is too far ahead (60 days at most).",
    ),
    # imports
    "ImportFailed": (ImportFailed, lambda t, d: f"The import into {t} failed: {d}"),
    "ImportNotFound": (NotFound, lambda t, d: f"That import no longer exists on {t}."),
    "CannotCancelImport": (
        Conflict,
        lambda t, d: "That import has already finished (completed or failed), so it cannot be canceled.",
    ),
    "InvalidImport": (InvalidRequest, lambda t, d: "That is not an import id."),
    "TableExists": (
        ImportFailed,
        lambda t, d: f"{d.rstrip('.')}. Import with mode `replace` or `replaceAll` to overwrite existing tables.",
    ),
    # requests
    "InvalidClientVersion": (InvalidRequest, lambda t, d: f"{t} refused this app's Convex-Client header: {d}"),
    "RateLimited": (
        RateLimited,
        lambda t, d: f"{t} is limiting how fast requests may arrive: wait a little and try again.",
    ),
}

# Codes of import problems shown with the server's text as is.
_IMPORT_CODES = {
    "ImportInvalidName",
    "InvalidName",
    "InvalidComponentPath",
    "InvalidUploadToken",
    "InvalidZip",
    "InvalidTableName",
    "InvalidComponentName",
    "JsonInvalidRow",
    "InvalidConvexValue",
    "InvalidStorageId",
    "InvalidId",
    "Sha256Mismatch",
    "ImportConflict",
    "DuplicateId",
    "TableConflict",
    "TableNumberConflict",
    "DuplicateTableName",
    "SchemaEnforcementError",
    "ImportForeignKey",
    "ImportSchemaChanged",
}
# Codes of the cloud-backup state rules (the sandbox's names; Convex's own are unconfirmed),
# whose server messages already say what to do.
_STATE_CODES = {
    "BackupInProgress",
    "RestoreInProgress",
    "CannotCancelBackup",
    "CannotDeleteBackup",
    "CloudBackupNotComplete",
    "CloudBackupUnavailable",
}
_SAYS_WHAT_TO_DO = re.compile(r"\b(delete|upgrade|need|wait|cancel)\b", re.IGNORECASE)
_LIMIT_WORDS = re.compile(r"Limit|Max|TooMany|Quota|Entitle|NotEntitled|Plan|Upgrade|NotEnabled")
_BY_STATUS: dict[int, type[ConvexApiError]] = {
    400: InvalidRequest,
    401: AuthError,
    402: PlanLimit,
    403: PermissionDenied,
    404: NotFound,
    405: InvalidRequest,
    409: Conflict,
    412: Conflict,
    413: InvalidRequest,
    415: InvalidRequest,
    416: InvalidRequest,
    429: RateLimited,
    502: ServiceUnavailable,
    503: ServiceUnavailable,
    504: ServiceUnavailable,
}


def parse_error_body(body: bytes | str) -> tuple[str | None, str]:
    """(code, message) of a `{code, message}` body; (None, the start of the text) for anything else."""
    try:
        data = orjson.loads(body)
    except (orjson.JSONDecodeError, TypeError):
        data = None
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        code = data.get("code")
        return (code if isinstance(code, str) and code else None), data["message"]
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    return None, " ".join(text.split())[:DETAIL_LIMIT]


def _plan_limit_message(target: Target, detail: str) -> str:
    text = detail.rstrip(". ") or "A plan limit was reached"
    if _SAYS_WHAT_TO_DO.search(text):  # the server's own message already says what to do
        return detail
    if "periodic" in text.lower():
        return f"{text}: periodic backups need a plan that includes them (Convex Pro); back up by hand meanwhile."
    if "backup" in text.lower():
        return f"{text}: delete an older backup first, or move to a plan that keeps more."
    return f"{text}: see the team's plan and usage in the Convex dashboard."


def _status_message(status: int, target: Target, detail: str, method: str, path: str) -> str:
    said = f" ({detail})" if detail else ""
    if status == 401:
        return f"{target} rejected the credentials (HTTP 401){said}: check them, or {_LOGIN_AGAIN}."
    if status == 403:
        return f"{target} refused this request (HTTP 403){said}: the credentials lack the permission."
    if status == 404:
        return f"{target} has nothing at {method} {path} (HTTP 404){said}."
    if status == 429:
        return f"{target} is limiting how fast requests may arrive: wait a little and try again."
    if status == 503:
        return f"{target} is temporarily unavailable (HTTP 503, overloaded or restarting): try again in a minute."
    if status in (502, 504):
        return f"A gateway in front of {target} could not reach it (HTTP {status}): try again shortly."
    if status >= 500:
        return (
            f"{target} could not complete the request (HTTP {status}){said}: try again later; if it keeps "
            "failing, check status.convex.dev or the backend's logs."
        )
    return f"{target} refused the request (HTTP {status}){said}."


def error_from_response(
    status: int,
    body: bytes | str,
    *,
    target: Target,
    method: str = "",
    path: str = "",
    retry_after: float | None = None,
    secrets: Iterable[str | Secret | None] = (),
) -> ConvexApiError:
    """The typed error for a non-2xx response."""
    secrets = tuple(secrets)
    code, detail = parse_error_body(body)
    detail = scrub(detail, secrets)
    cls: type[ConvexApiError]
    if code in ERROR_GUIDANCE:
        cls, guidance = ERROR_GUIDANCE[code]
        message = guidance(target, detail)
    elif code in _STATE_CODES and status < 500:
        cls, message = Conflict, detail or f"{target} cannot do this now ({code})."
    elif code in _IMPORT_CODES:
        cls, message = ImportFailed, f"{target} refused the import: {detail}"
    elif code and code.startswith(("EnvVar", "EnvironmentVariable", "RequiredEnvironmentVariable")):
        cls, message = InvalidRequest, f"{target} refused the environment variable change: {detail}"
    elif code and status in (400, 402, 403, 409) and _LIMIT_WORDS.search(code):
        cls, message = PlanLimit, _plan_limit_message(target, detail)
    else:
        cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else ConvexApiError)
        if code and status < 500 and status not in (401, 429):
            message = f"{detail} ({code})" if detail else f"{target} refused the request ({code})."
        else:
            message = _status_message(status, target, detail, method, path)
    if retry_after and "wait a little" in message:
        message = message.replace("wait a little", f"wait {retry_after:.0f} s")
    return cls(message, code=code, status=status, detail=detail, secrets=secrets, retry_after=retry_after)


def function_error(
    message: str, data: Any = None, *, target: Target, path: str, secrets: Iterable[str | Secret | None] = ()
) -> FunctionError:
    """A function error envelope (`status: "error"`) as a typed error."""
    secrets = tuple(secrets)
    text = message.strip()
    if PERMISSION_SENTENCE in text:
        return FunctionPermissionDenied(
            f"The key used for {target} may not read this ({path}): {PERMISSION_SENTENCE.lower()}.",
            code="FunctionPermissionDenied",
            detail=text,
            data=data,
            secrets=secrets,
        )
    # The first line is "[Request ID: ...] Server Error"; the useful text follows it.
    lines = [line for line in text.splitlines() if line.strip()]
    useful = next((line for line in lines if not line.startswith("[Request ID:")), lines[0] if lines else "")
    return FunctionError(
        f"{path} failed on {target}: {useful.strip()}", code="FunctionError", detail=text, data=data, secrets=secrets
    )
