"""Words for the restore and import screens: ages, sizes, durations, and every error turned into what
happened plus what to do next. No Textual here, so the wording can be tested on its own."""

from __future__ import annotations

from pathlib import Path

from tui.services.errors import (  # the API's, re-exported
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
from tui.services.protocol import DeploymentRef, RestorePlan, RestoreResult, TableProgress
from tui.services.restore.flow import is_storage
from tui.services.snapshots.verify import VerifyOutcome
from tui.widgets.formatting import error_text, size

# Convex's dashboard confirms the newest cloud restore waiting for confirmation on its own
# (tui/commands/README.md, "Restoring"): the review step of a cloud restore must not look like a safe place to wait.
DASHBOARD_CONFIRMS = (
    "Careful: Convex's dashboard starts a staged cloud restore by itself. Anyone who opens "
    "the Backups page of {target} now would start this one. Continue or back out (esc) soon."
)
UNCHANGED = ("code (functions)", "environment variables", "scheduled functions and crons", "deployment settings")


def deployment_words(ref: DeploymentRef) -> str:
    """ "PRODUCTION deployment happy-otter-123 (project chat)" — danger in words, never colour alone."""
    kind = "PRODUCTION deployment" if ref.is_prod else f"{ref.type} deployment"
    return f"{kind} {ref.name} (project {ref.project})"


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
        todo = (
            "The deployment could not be reached. Check the network or the sandbox, then retry (esc, then start again)."
        )
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


# -- a ZIP from disk: what its check found ------------------------------------------------------------------
def zip_accepted(path: Path, outcome: VerifyOutcome) -> str:
    files = f", {outcome.storage_files:,} stored files" if outcome.storage_files else ", no stored files"
    sidecar = f"; its sha256 matches {path.name}.sha256" if outcome.sidecar == "match" else ""
    return (
        f"{path.name}: {size(outcome.size)}, {outcome.entries or 0:,} entries{files}: every CRC and size is "
        f"right{sidecar}. Its documents are decoded once more before it is uploaded."
    )


def zip_refused(path: Path, outcome: VerifyOutcome) -> str:
    """A damaged file: what is wrong, that nothing happened, and the commands that say more."""
    error = outcome.error or {}
    message = error.get("message") or "it failed its check"
    where = ""
    if error.get("member") and error["member"] not in message:
        where = f" (in {error['member']}" + (f", line {error['line']}" if error.get("line") else "") + ")"
    hint = f" {error['hint'].rstrip('.')}." if error.get("hint") and error["hint"] not in message else ""
    return (
        f"Refused: {path.name} is damaged: {message.rstrip('.')}{where}.{hint}\n"
        "Nothing was uploaded and nothing changed. What to do: run "
        f"`convex-backups verify {path}` for the full check, `convex-backups inspect {path}` to see what it "
        "holds; download the backup again (`convex-backups download BACKUP_ID`) or choose another file."
    )


def zip_unreadable(path: Path, exc: OSError) -> str:
    return (
        f"Refused: {path} cannot be read ({exc.strerror or type(exc).__name__}). Nothing changed. "
        "What to do: check the path and its permissions, then press enter again."
    )


# -- counts: documents in tables, files in `_storage`, said the same way in the review, progress and result -----
def documents_and_files(pairs: list[tuple[str, int]]) -> str:
    """ "1,012 documents and 30 files" from (table, count) pairs; files only when there are some."""
    documents = sum(n for table, n in pairs if not is_storage(table))
    files = sum(n for table, n in pairs if is_storage(table))
    text = f"{documents:,} document{'s' * (documents != 1)}"
    if files:
        text += f" and {files:,} file{'s' * (files != 1)}"
    return text


def plan_counts(plan: RestorePlan) -> str:
    """What the review says the restore will do, counted as the progress and the result count it."""
    tables = sum(1 for c in plan.changes if not is_storage(c.table))
    write = documents_and_files([(c.table, c.rows_to_write) for c in plan.changes])
    delete = documents_and_files([(c.table, c.rows_to_delete) for c in plan.changes])
    return f"{tables} table{'s' * (tables != 1)}; it writes {write}, and deletes {delete} that are there now"


def progress_counts(tables: tuple[TableProgress, ...]) -> str:
    """ "812 / 1,012 documents and 30 / 30 files written" while the restore runs."""
    documents = [t for t in tables if not is_storage(t.table)]
    files = [t for t in tables if is_storage(t.table)]
    text = f"{sum(min(t.written, t.total) for t in documents):,} / {sum(t.total for t in documents):,} documents"
    if files:
        text += f" and {sum(min(t.written, t.total) for t in files):,} / {sum(t.total for t in files):,} files"
    return text + " written"


def result_counts(result: RestoreResult, tables: tuple[TableProgress, ...]) -> str:
    """The result in the review's words: the server's count of documents (Convex counts no files in it),
    and the files from the last per-table progress."""
    files = sum(t.written for t in tables if is_storage(t.table))
    documents = result.rows_written
    if documents is None:
        documents = sum(t.written for t in tables if not is_storage(t.table))
    text = f"{documents:,} document{'s' * (documents != 1)}"
    if files:
        text += f" and {files:,} file{'s' * (files != 1)}"
    return text + " written"
