"""`DocumentsRestoreScreen`: restore the documents and tables marked on the diff screen (tui/commands/README.md "Restore
only what is broken"), with the safety net of every restore: what Convex would refuse is checked first, a fresh
safety backup is taken (a local snapshot when the plan's backup limit is reached), the import is staged and
the review lists exactly what will change, then `y` (on production: the deployment's name typed) confirms.
esc before the confirmation drops the staged import and changes nothing. After the import a second snapshot
checks the result."""

from __future__ import annotations

import tempfile
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from tui.services.restore.documents import StagedDocuments, Verification
from tui.services.protocol import BackupRecord, BackupTarget, DeploymentRef, Progress
from tui.widgets.typed_confirmation import TypedConfirmation
from tui.widgets.key_bar import KeyBar


class DocumentsRestoreScreen(Screen[bool]):
    DEFAULT_CSS = """
    DocumentsRestoreScreen #documents { padding: 0 1; height: 1fr; }
    DocumentsRestoreScreen #documents-title { text-style: bold; color: $accent; }
    DocumentsRestoreScreen #documents-review { height: 1fr; }
    DocumentsRestoreScreen #documents-status { height: auto; }
    DocumentsRestoreScreen .error-text { color: $error; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back", id="documents_back"),
        Binding("y", "confirm", "Restore these", id="documents_confirm"),
    ]
    HELP = (
        "Restores only the documents marked on the diff screen: a fresh safety backup first, then the import "
        "is staged and reviewed; y (on production: the name typed) confirms; esc drops it."
    )

    def __init__(
        self, target: BackupTarget, deployment: DeploymentRef, backup: BackupRecord, plan, backup_zip: Path
    ) -> None:
        super().__init__()
        self.target, self.deployment, self.backup, self.plan, self.backup_zip = (
            target,
            deployment,
            backup,
            plan,
            Path(backup_zip),
        )
        self.staged: StagedDocuments | None = None
        self.state = "preparing"  # preparing | review | applying | done | failed | nothing
        self.verification: Verification | None = None
        self.safety_id: str | None = None
        self._leaving = False  # esc while preparing: drop whatever gets staged, then leave
        self._temp = tempfile.TemporaryDirectory(prefix="convex-backups-documents-")

    def compose(self) -> ComposeResult:
        with Vertical(id="documents"):
            yield Static(
                f"Restore marked documents of backup {self.backup.id} into {self.deployment.name} "
                f"({self.deployment.danger_label})",
                id="documents-title",
                markup=False,
            )
            yield Static("Starting…", id="documents-status", markup=False)
            with VerticalScroll(id="documents-review"):
                yield Static("", id="documents-lines", markup=False)
            if self.deployment.is_prod:
                yield TypedConfirmation(
                    self.deployment.name,
                    f"This is production. Type {self.deployment.name} to restore these documents.",
                    id="documents-typed",
                )
        yield KeyBar()

    def on_mount(self) -> None:
        if self.deployment.is_prod:
            self.query_one(TypedConfirmation).display = False
        self._prepare()

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#documents-status", Static)
        status.update(text)
        status.set_class(error, "error-text")

    def _progress(self, progress: Progress) -> None:
        if self.is_attached:
            self._status(progress.message)

    def _lines(self, lines: list[str]) -> None:
        self.query_one("#documents-lines", Static).update("\n".join(lines))

    @work(exclusive=True, group="documents", exit_on_error=False)
    async def _prepare(self) -> None:
        from tui.screens.restore.text import explain
        from tui.services.restore import documents as documents_restore
        from tui.services.restore.safety import safety_options, take_fresh, take_local

        try:
            self._status("Checking what Convex would refuse…")
            # what would refuse an import (one running, a backup running): the documents go back through an
            # import of a ZIP, so the cloud-restore-only refusals (a dedicated target, another region) do not apply
            await self.target.check_restore(self.deployment, backup=None)
            options = await safety_options(self.target, self.deployment, source_has_storage=False)
            self._status(f"Taking a fresh safety backup of {self.deployment.name}…")
            take = take_local if options.at_limit else take_fresh
            safety = await take(
                self.target, self.deployment, include_storage=options.include_storage, on_progress=self._progress
            )
            self.safety_id = safety.id
            self.staged = await documents_restore.stage(
                self.target,
                self.deployment,
                Path(self._temp.name),
                documents_restore.edits_for_plan(self.plan, self.backup_zip),
                source=f"documents of backup {self.backup.id}",
                backup_id=self.backup.id,
                on_progress=self._progress,
            )
        except Exception as exc:  # noqa: BLE001 (every failure is shown, with what to do)
            happened, todo = explain(exc, "preparing the documents restore")
            if self._leaving:
                self.dismiss(False)
                return
            self.state = "failed"
            self._status(f"{happened}\nWhat to do: {todo}", error=True)
            return
        if self._leaving:
            if self.staged is not None:
                await self._drop_staged()
            self.dismiss(False)
            return
        if self.staged is None:
            self.state = "nothing"
            self._status("Nothing to change: every marked document is already as in the backup. esc: back.")
            return
        self.state = "review"
        self.refresh_bindings()
        self._lines(
            [
                f"Safety backup: {self.safety_id}",
                "",
                "What will change:",
                *self.staged.review,
                "",
                documents_restore.RACE_WARNING,
            ]
        )
        if self.deployment.is_prod:
            self._status("Review, then type the name below and press enter. esc drops the staged import.")
            typed = self.query_one(TypedConfirmation)
            typed.display = True
            typed.focus()
        else:
            self._status("Review, then press y to restore these documents. esc drops the staged import.")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm":  # only once the review is shown; production confirms by the typed name
            return self.state == "review" and not self.deployment.is_prod
        return True

    def action_confirm(self) -> None:
        if self.state == "review" and not self.deployment.is_prod:
            self._apply()

    @on(TypedConfirmation.Confirmed)
    def _typed(self, event: TypedConfirmation.Confirmed) -> None:
        event.stop()
        if self.state == "review":
            self._apply()

    @work(exclusive=True, group="documents", exit_on_error=False)
    async def _apply(self) -> None:
        from tui.screens.restore.text import explain
        from tui.services.restore import documents as documents_restore

        staged = self.staged
        assert staged is not None  # confirming is offered at the review only
        self.state = "applying"
        self.refresh_bindings()
        plan = staged.plan
        try:
            await self.target.confirm_restore(plan)
            async for progress in self.target.follow_restore(plan):
                self._status(progress.message)
            result = await self.target.restore_result(plan)
            if not result.ok:
                raise RuntimeError(f"the import {result.state}: {result.error or 'no reason given'}; nothing changed")
            verification = await documents_restore.verify(
                self.target, self.deployment, staged, Path(self._temp.name), on_progress=self._progress
            )
            self.verification = verification
        except Exception as exc:  # noqa: BLE001
            happened, todo = explain(exc, "restoring the documents")
            self.state = "failed"
            self._status(f"{happened}\nWhat to do: {todo}", error=True)
            return
        self.state = "done"
        ok = verification.ok
        self._status(
            ("Done: the marked documents are restored." if ok else "Done, but the check found differences.")
            + " esc: back.",
            error=not ok,
        )
        self._lines([*verification.lines(), "", f"Safety backup: {self.safety_id}"])

    async def action_back(self) -> None:
        if self.state == "applying":
            self._status("The import is running; it continues on the deployment. Wait for it to finish.")
            return
        if self.state == "preparing":
            self._leaving = True
            self._status("Stopping: anything staged is dropped first; nothing is changed.")
            return
        if self.state == "review" and self.staged is not None:
            await self._drop_staged()
        self.dismiss(self.state == "done")

    async def _drop_staged(self) -> None:
        if self.staged is None:
            return
        try:
            await self.target.abandon_restore(self.staged.plan)
        except Exception:  # noqa: BLE001 (already gone: nothing was changed either way)
            pass

    def on_unmount(self) -> None:
        self._temp.cleanup()
