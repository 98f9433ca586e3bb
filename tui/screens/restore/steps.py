"""The steps every restore and import share, whatever chose the data: review the staged plan, confirm
(typing the name on production), follow to the result. They only draw; the flow screen calls services."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import ProgressBar, Static

from tui.services.protocol import DeploymentRef, Progress, RestorePlan, RestoreResult
from tui.screens.restore.text import (
    DASHBOARD_CONFIRMS,
    UNCHANGED,
    deployment_words,
    plan_counts,
    progress_counts,
    result_counts,
)
from tui.widgets.formatting import exact, progress_line, span
from tui.widgets.table_changes import TableChanges, TableProgressList
from tui.widgets.typed_confirmation import TypedConfirmation


def plan_sentence(plan: RestorePlan) -> str:
    return f"Restore {plan.source}\ninto {deployment_words(plan.target)}: {plan_counts(plan)}."


class ReviewStep(VerticalScroll):
    """The staged import's plan: source → target in words, every table, what stays, the server's words."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="step")

    def compose(self) -> ComposeResult:
        yield Static("Review: what the restore will do", classes="step-title")
        yield Static("", id="review-status", markup=False)
        yield ProgressBar(total=100, show_eta=False, id="stage-bar", classes="hidden")
        yield Static("", id="review-error", classes="error-box hidden", markup=False)
        yield Static("", id="review-summary", classes="hidden", markup=False)
        yield Static("", id="review-documents", classes="hidden", markup=False)
        yield Static(
            "What changes, table by table (documents; files for _storage):",
            id="review-changes-title",
            classes="section hidden",
        )
        yield TableChanges(id="review-changes", classes="hidden")
        yield Static("", id="review-unchanged", classes="hidden", markup=False)
        yield Static("", id="review-message", classes="server-message hidden", markup=False)
        yield Static("", id="review-keys", classes="keys-hint", markup=False)

    def show_staging(self, text: str, progress: Progress | None = None) -> None:
        self.query_one("#review-status", Static).update(text)
        bar = self.query_one("#stage-bar", ProgressBar)
        if progress is not None and progress.fraction is not None:
            bar.remove_class("hidden")
            bar.update(total=100, progress=progress.fraction * 100)
        self.query_one("#review-keys", Static).update("nothing has changed yet · esc back out")

    def show_plan(self, plan: RestorePlan, documents: Sequence[str] = ()) -> None:
        """`documents`: what the restore does to the documents since the backup (`tui.services.restore.review`)."""
        self.query_one("#review-status", Static).update(
            "Staged: the data is uploaded and checked, and waits for your confirmation. Nothing has changed yet."
            + (f"\n{DASHBOARD_CONFIRMS.format(target=plan.target.name)}" if plan.cloud_restore else "")
        )
        self.query_one("#stage-bar").add_class("hidden")
        self.query_one("#review-summary", Static).update(plan_sentence(plan))
        self.query_one("#review-documents", Static).update("\n".join(documents))
        self.query_one("#review-documents").set_class(not documents, "hidden")
        self.query_one(TableChanges).show(plan.changes)
        only = (
            f"Only {', '.join(plan.only_tables)} {'is' if len(plan.only_tables) == 1 else 'are'} replaced; every "
            f"other table of {plan.target.name} is left exactly as it is.\n"
            if plan.only_tables
            else ""
        )
        self.query_one("#review-unchanged", Static).update(
            only + "Not changed by a restore: " + ", ".join(UNCHANGED) + "."
        )
        message = self.query_one("#review-message", Static)
        message.update(f"The deployment says: {plan.message_to_confirm}" if plan.message_to_confirm else "")
        message.set_class(not plan.message_to_confirm, "hidden")
        for selector in ("#review-summary", "#review-changes-title", "#review-changes", "#review-unchanged"):
            self.query_one(selector).remove_class("hidden")
        self.query_one("#review-keys", Static).update("c continue to the confirmation · esc back out (drops it)")

    def show_error(self, happened: str, todo: str) -> None:
        self.query_one("#review-status", Static).update("Nothing was changed.")
        self.query_one("#stage-bar").add_class("hidden")
        box = self.query_one("#review-error", Static)
        box.update(f"{happened}\nWhat to do: {todo}")
        box.remove_class("hidden")
        self.query_one("#review-keys", Static).update("esc back out")


class ConfirmStep(Vertical):
    """Production: type the deployment's exact name. Other deployments: press y. Never the key that
    opened the flow."""

    def __init__(self, deployment: DeploymentRef, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="step")
        self.deployment = deployment

    def compose(self) -> ComposeResult:
        yield Static("Confirm", classes="step-title")
        yield Static("", id="confirm-summary", markup=False)
        if self.deployment.is_prod:
            yield Static("! This is PRODUCTION. Its current data will be replaced.", classes="danger")
            yield TypedConfirmation(
                self.deployment.name,
                f"To restore, type the deployment's name: {self.deployment.name}",
                id="confirm-typed",
            )
        else:
            yield Static("Press y to restore now. Esc backs out and changes nothing.", classes="danger")
        yield Static("", id="confirm-error", classes="error-box hidden", markup=False)

    def show(self, plan: RestorePlan, safety: str) -> None:
        only = (
            f"\nOnly {', '.join(plan.only_tables)} {'is' if len(plan.only_tables) == 1 else 'are'} replaced; "
            "every other table is left as it is."
            if plan.only_tables
            else ""
        )
        self.query_one("#confirm-summary", Static).update(f"{plan_sentence(plan)}{only}\nSafety backup: {safety}")

    def show_starting(self) -> None:
        self.query_one("#confirm-error").add_class("hidden")

    def show_error(self, happened: str, todo: str) -> None:
        box = self.query_one("#confirm-error", Static)
        box.update(f"{happened}\nWhat to do: {todo}")
        box.remove_class("hidden")
        if self.deployment.is_prod:
            typed = self.query_one(TypedConfirmation)
            typed.input.disabled = False
            typed.reset()


class FollowStep(Vertical):
    """The confirmed restore: overall and per-table progress, then the result."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="step")

    def compose(self) -> ComposeResult:
        yield Static("Restoring", classes="step-title", id="follow-title")
        yield Static("Starting the restore…", id="follow-status", markup=False)
        yield ProgressBar(total=100, show_eta=False, id="follow-bar")
        yield Static("", id="follow-counts", markup=False)
        yield TableProgressList(id="follow-tables")
        yield Static("", id="follow-result", classes="result-box hidden", markup=False)
        yield Static(
            "The restore runs on the server; it cannot be stopped halfway.",
            id="follow-keys",
            classes="keys-hint",
            markup=False,
        )

    def show_progress(self, progress: Progress) -> None:
        self.query_one("#follow-status", Static).update(progress.message)
        if progress.fraction is not None:
            self.query_one("#follow-bar", ProgressBar).update(total=100, progress=progress.fraction * 100)
        line = progress_line(progress)
        if progress.tables:  # the counts in the review's words instead of one sum of documents and files
            self.query_one(TableProgressList).show(progress.tables)
            line = f"{progress_counts(progress.tables)} · {progress_line(replace(progress, done=None))}"
        self.query_one("#follow-counts", Static).update(line)

    def show_result(self, result: RestoreResult, plan: RestorePlan) -> None:
        box = self.query_one("#follow-result", Static)
        title = self.query_one("#follow-title", Static)
        self.query_one("#follow-status", Static).update(f"Finished: {result.state}.")
        if result.ok:
            self.query_one(TableProgressList).complete()
        tables = tuple(self.query_one(TableProgressList).counts.values())
        counts = f"{progress_counts(tables)} · " if tables else ""
        self.query_one("#follow-counts", Static).update(f"{counts}{span(result.elapsed)} in all")
        if result.ok:
            self.query_one("#follow-bar", ProgressBar).update(total=100, progress=100)
            title.update("Restore complete")
            box.update(
                f"✓ DONE. {result_counts(result, tables)} into {plan.target.name} in {span(result.elapsed)}"
                f"{f' (finished {exact(result.finished)})' if result.finished else ''}.\n"
                "Code, environment variables and scheduled functions were not changed."
            )
            box.remove_class("-failed")
        else:
            title.update("Restore FAILED")
            undo = (
                f" Safety backup {plan.safety_backup_id} still holds the data from before."
                if plan.safety_backup_id
                else ""
            )
            box.update(
                f"✗ FAILED ({result.state}): {result.error or 'no reason given'}\n"
                f"What to do: check the deployment's tables on the main screen; restore again "
                f"or from another backup.{undo}"
            )
            box.add_class("-failed")
        box.remove_class("hidden")
        self.query_one("#follow-keys", Static).update("enter or esc close")

    def show_lost(self, happened: str, todo: str) -> None:
        box = self.query_one("#follow-result", Static)
        box.update(f"{happened}\nWhat to do: {todo}")  # `happened` says that it goes on on the server
        box.add_class("-failed")
        box.remove_class("hidden")
        self.query_one("#follow-keys", Static).update("f follow again · esc close (the restore continues)")
