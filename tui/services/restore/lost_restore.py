"""What to say when the connection to a running restore (a confirmed import) is lost: which import was
running, that it carries on on the server without this app (Convex runs a confirmed import to its end),
and how to follow it. Shared by the restore wizard, the emergency checklist and the headless commands."""

from __future__ import annotations


def imports_command(deployment: str) -> str:
    return f"convex-backups imports --deployment {deployment}"


def words(deployment: str, import_id: str | None, error: str, *, again: str | None = None) -> tuple[str, str]:
    """(what happened, what to do). `again` names this screen's way to follow it again, if it has one."""
    which = f"import {import_id}" if import_id else "its import"
    happened = (
        f"Lost the connection to {deployment} while its restore ({which}) was running: {error}\n"
        f"The restore carries on on the server without this app; it usually ends on its own."
    )
    todo = f"Follow it in the deployment's imports: {imports_command(deployment)} (or the Convex dashboard's data page)"
    todo += f"; {again}, once the deployment answers." if again else ", once the deployment answers."
    return happened, todo
