"""Words for the restore and import screens: ages, sizes, durations, and every error turned into what
happened plus what to do next. No Textual here, so the wording can be tested on its own."""

from __future__ import annotations

from datetime import datetime

from tui.api.errors import (
    AuthError,
    Conflict,
    ImportFailed,
    InvalidRequest,
    NetworkError,
    NotFound,
    PermissionDenied,
    PlanLimit,
    RateLimited,
    ServerError,
)
from tui.services.errors import ReadOnlyRefused, Refused
from tui.services.protocol import BackupRecord, DeploymentRef
from tui.widgets.formatting import ago, error_text, exact, utc_now

# Convex's dashboard confirms the newest cloud restore waiting for confirmation on its own (README
# "Restoring"): the review step of a cloud restore must not look like a safe place to wait.
DASHBOARD_CONFIRMS = ("Careful: Convex's dashboard starts a staged cloud restore by itself. Anyone who opens "
                      "the Backups page of {target} now would start this one. Continue or back out (esc) soon.")
UNCHANGED = ("code (functions)", "environment variables", "scheduled functions and crons", "deployment settings")


def deployment_words(ref: DeploymentRef) -> str:
    """"PRODUCTION deployment happy-otter-123 (project chat)" — danger in words, never colour alone."""
    kind = "PRODUCTION deployment" if ref.is_prod else f"{ref.type} deployment"
    return f"{kind} {ref.name} (project {ref.project})"


def backup_words(backup: BackupRecord, now: datetime | None = None) -> str:
    when = backup.completed or backup.requested
    storage = "with file storage" if backup.include_storage else "without file storage"
    return f"backup {backup.id} of {backup.source_deployment}, {ago(when, now or utc_now())} ({exact(when)}), {storage}"


def explain(exc: BaseException, doing: str) -> tuple[str, str]:
    """(what happened, what to do) for an error met while `doing` ("staging the restore")."""
    message = error_text(exc)
    happened = f"{doing[:1].upper()}{doing[1:]} failed: {message}"
    if isinstance(exc, ReadOnlyRefused):
        todo = "Nothing was sent. Choose another deployment, or change its read_only setting on purpose."
    elif isinstance(exc, Refused):
        todo = "Nothing was sent. Read the reason above, fix it, and start again."
    elif isinstance(exc, PlanLimit):
        todo = "Delete an older backup of this deployment from the main screen, then try again."
    elif isinstance(exc, ImportFailed):
        todo = "The deployment refused the data; nothing was changed. Check the file or pick another backup."
    elif isinstance(exc, Conflict):
        todo = "Something else is running on this deployment (a backup or a restore). Wait for it to end, then retry."
    elif isinstance(exc, (NetworkError, ServerError, RateLimited)):
        todo = "The deployment could not be reached. Check the network or the sandbox, then retry (esc, then start again)."
    elif isinstance(exc, (AuthError, PermissionDenied)):
        todo = "Your credentials do not allow this. Log in again (npx convex login) or use a token with access."
    elif isinstance(exc, NotFound):
        todo = "It no longer exists (expired or deleted?). Refresh the main screen and choose again."
    elif isinstance(exc, InvalidRequest):
        todo = "The request was refused; nothing was changed. Read the reason above."
    elif isinstance(exc, OSError):
        todo = "Check the path and its permissions."
    else:
        todo = "Nothing more is known. Retry; if it fails again, use the CLI (convex-backups restore) and report it."
    return happened, todo
