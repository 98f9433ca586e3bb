"""Step 3 of the checklist, push known-good code: the project folder (found from the working directory, or
p to give one), its git tags and commits; g checks everything the highlighted ref needs (git, Node, its
lockfile and package manager) and says what is missing before anything starts, then, after the typed
name, checks it out into a clean worktree, installs its dependencies from the lockfile, runs
`npx convex deploy` with a `--message` naming the ref, and confirms the push from the audit log, the
output streamed below (k cancels). On the sandbox, which runs no code, the same run is a rehearsal that
ends "rehearsed, not deployed". Where it cannot run, the exact commands to run by hand and m records it."""

from __future__ import annotations

import asyncio
import os
import textwrap
from pathlib import Path

from textual import work
from textual.widgets import DataTable, Log

from tui.services.secrets import Secret, reveal
from tui.screens.emergency.context import ChecklistContext
from tui.screens.emergency.panel import StepPanel
from tui.services.checklist import code_push
from tui.services.checklist.data import client_for
from tui.services.checklist.push_confirm import confirm_push
from tui.services.checklist.push_plan import PushPlan, deploy_command, plan_push
from tui.services.checklist.push_run import PushRun
from tui.widgets import formatting as fmt

SANDBOX_SAYS = (
    "The sandbox runs no code. g rehearses the push: clean checkout, install, bundle, and the "
    'sandbox refuses the push itself. The step records "rehearsed, not deployed", never done.'
)


def _shown(folder: Path) -> str:
    """A folder as the operator knows it: from the working directory when inside it, else from home."""
    folder = folder.resolve()
    for base, prefix in ((Path.cwd().resolve(), "."), (Path.home().resolve(), "~")):
        if folder == base or base in folder.parents:
            return (
                str(Path(prefix, folder.relative_to(base)))
                if prefix == "~"
                else (str(folder.relative_to(base)) if folder != base else ".")
            )
    return str(folder)


class CodeStep(StepPanel):
    NUMBER = 3
    ACTIONS = frozenset({"run_step", "skip_step", "redo_step", "project", "cancel_run", "mark_done", "mark_done_why"})

    def __init__(
        self,
        context: ChecklistContext,
        deploy_command: str | None,
        project: Path | None,
        deploy_key: Secret | None = None,
    ) -> None:
        super().__init__(context)
        self.deploy_key = deploy_key  # a profile's CONVEX_DEPLOY_KEY for the push; never shown
        self.deploy_command = (
            deploy_command or os.environ.get("CONVEX_BACKUPS_DEPLOY_COMMAND") or code_push.DEFAULT_COMMAND
        )
        self.project = project or code_push.find_project()
        self.refs: list[code_push.GitRef] = []
        self.push_run: PushRun | None = None
        self.push_starting = False  # from the typed confirmation until the run exists

    @property
    def on_sandbox(self) -> bool:
        return self.context.on_sandbox

    def _manual(self, ref: str | None = None, plan: PushPlan | None = None) -> str:
        return code_push.manual_instructions(
            self.ref.name,
            ref,
            project=self.project,
            command=self.deploy_command,
            self_hosted=self.deploy_key is None,
            installer=plan.installer if plan else None,
        )

    def _pushing(self) -> bool:
        return self.push_starting or (self.push_run is not None and self.push_run.result is None)

    def draw(self, head: str) -> None:
        sandbox = SANDBOX_SAYS + "\n" if self.on_sandbox else ""
        if self._pushing():
            run = self.push_run
            self.show_log(True)
            stage = f"{run.plan.ref_name} ({run.plan.sha[:7]}): {run.stage}" if run else "starting"
            self.say(head + sandbox + f"Pushing {stage} · k cancels")
            return
        missing = code_push.missing_tools(self.deploy_command)
        if self.project is None or missing:
            why = (
                f"Missing on this machine: {', '.join(missing)}."
                if missing
                else "No project folder (convex/ and package.json) found from here; p gives its path."
            )
            by_hand = "" if self.on_sandbox else "Run this by hand, then press m and name the ref:\n\n" + self._manual()
            self.say(head + sandbox + why + ("\n" + by_hand if by_hand else ""))
            return
        try:
            self.refs = code_push.list_refs(self.project)
        except Exception as exc:  # noqa: BLE001
            self.say(
                head
                + sandbox
                + f"Could not read the git history of {self.project}: {fmt.error_text(exc)}\n\n"
                + self._manual()
            )
            return
        table = self.show_table([])  # shown, columns of fixed widths added below
        table.add_column("Ref", width=10)
        table.add_column("What", width=max(20, self.app.size.width - 30 - 2 - 12 - 5))  # no sideways scrolling
        for index, ref in enumerate(self.refs):  # a tag and a commit may share a sha: keyed by position
            what = ref.summary.split(" — ", 1)[-1]
            table.add_row(
                ref.name if ref.kind == "tag" else ref.sha[:10],
                f"tag · {what}" if ref.kind == "tag" else what,
                key=str(index),
            )
        state = self.checklist.steps[3]
        log = self.show_log(bool(state.data.get("ref")))
        self.call_after_refresh(log.scroll_end, animate=False)  # the end of the run, however the log was resized
        keys = "g rehearse" if self.on_sandbox else "g push"
        by_hand = "" if self.on_sandbox else " · m pushed by hand"
        choose = f"Choose a known-good tag or commit: {keys} · p another folder{by_hand}"
        if state.status != "pending":  # the outcome and the log below say the rest
            self.say(head + choose.replace(keys, keys + " again"))
            return
        with_key = " (with the profile's deploy key)" if self.deploy_key else ""
        lines = [f"Project: {_shown(self.project)}"]
        head_plan = self._head_plan()
        if head_plan is not None and head_plan.installer is not None:
            lines.append(f"Install: {head_plan.installer.command}")
        lines.append(f"Push: {deploy_command(self.deploy_command, 'restore <ref>')}{with_key}")
        if head_plan is not None and head_plan.missing:
            lines += ["Missing at HEAD:", *(f"- {why}" for why in head_plan.missing)]
        lines.append(choose)
        self.say(head + sandbox + "\n".join(lines))

    def _head_plan(self) -> PushPlan | None:
        """What a push of the checked-out commit would need: the machine's missing programs and the lockfile,
        said before any ref is chosen (g checks the chosen ref again)."""
        head = next((ref for ref in self.refs if ref.kind == "commit"), None)
        if head is None or self.project is None:
            return None
        return plan_push(self.project, "HEAD", head.sha, command=self.deploy_command)

    def action_project(self) -> None:
        def chosen(value: str) -> None:
            path = Path(value.strip()).expanduser()
            if not code_push.is_project(path):
                self.notify(f"{path} has no convex/ folder and package.json.", severity="warning")
                return
            self.project = path
            self.changed()

        self.ask(
            "The app's project folder (it has convex/ and package.json):", chosen, value=str(self.project or Path.cwd())
        )

    def run(self) -> None:
        table = self.query_one("#em-table", DataTable)
        if self.project is None or not table.display or not table.row_count:
            self.notify("Choose the project folder first (p), or run it by hand and press m.", severity="warning")
            return
        if self._pushing():
            return
        ref = self.refs[int(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))]
        plan = plan_push(self.project, ref.name, ref.sha, command=self.deploy_command, checklist_id=self.checklist.id)
        if not plan.ready:  # said before anything starts; the step stays as it was
            lines = [f"Cannot push {ref.name} from here; missing:", *(f"- {why}" for why in plan.missing)]
            if not self.on_sandbox:
                lines += ["", "Fix that, or run this by hand and press m:", self._manual(ref.name, plan)]
            self.say("\n".join(lines))
            return
        assert plan.installer is not None, "a ready plan has its installer"
        what = "Rehearse a push of" if self.on_sandbox else "Deploy"
        self.confirm_typed(
            f"{what} {ref.summary} to {self.ref.name}? Install: {plan.installer.command}",
            lambda: self.deploy_worker(ref, plan),
        )

    def _log_line(self, log: Log, text: str) -> None:
        """Lines wrapped to the log's width, so that nothing needs sideways scrolling at 80x24."""
        # the log's width less its border and a vertical scrollbar (which appears once it fills up)
        width = (log.size.width or self.app.size.width - 30 - 2) - 5
        for line in textwrap.wrap(
            text, width=max(20, width), subsequent_indent="  ", break_on_hyphens=False, drop_whitespace=True
        ) or [""]:
            log.write_line(line)

    @work(exclusive=True, group="em-deploy", exit_on_error=False)
    async def deploy_worker(self, ref: code_push.GitRef, plan: PushPlan) -> None:
        self.show_table(None)  # the log gets the room while the push runs
        log = self.show_log(True)
        log.clear()
        self.checklist.start(3, ref=ref.name, sha=ref.sha, command=plan.command, rehearsal=self.on_sandbox)
        self.changed(redraw_panel=False)
        run = None
        self.push_starting = True
        try:
            client = await client_for(self.target, self.ref)
            env = code_push.push_environment(
                self.ref.name, client.url, reveal(client.admin_key), reveal(self.deploy_key)
            )
            run = PushRun(
                plan,
                env,
                sandbox=self.on_sandbox,
                confirm=lambda since_ms: confirm_push(client, since_ms, plan.message),
            )
            self.push_run, self.push_starting = run, False
            credential = "the profile's deploy key" if self.deploy_key else "the deployment's admin credential"
            self._log_line(log, f"Pushing {ref.name} to {self.ref.name}")
            self._log_line(log, f"with {credential}")
            async for line in run.lines():
                self._log_line(log, line)
                if line.startswith("[") and self.is_current:
                    self.changed()  # the stage in the text above the log
        except asyncio.CancelledError:  # the screen was closed: the push's processes end with it
            if run is not None:
                run.cancel()
            self.checklist.fail(3, f"push of {ref.name} stopped: the checklist was closed while it ran")
            raise
        except Exception as exc:  # noqa: BLE001
            self.checklist.fail(3, f"could not run the push: {fmt.error_text(exc)}")
            self._log_line(log, fmt.error_text(exc))
        else:
            result = run.result
            assert result is not None  # the lines end with the run
            self._log_line(log, f"Result: {result.outcome}")
            if result.status == "done":
                self.checklist.done(3, result.outcome, **result.data)
            elif result.status == "rehearsed":
                self.checklist.rehearsed(3, result.outcome, **result.data)
            else:
                self.checklist.fail(3, result.outcome, **result.data)
        finally:
            self.push_starting = False
        self.changed()

    def action_cancel_run(self) -> None:
        if self.push_run is not None and self.push_run.result is None:
            self.push_run.cancel()

    def action_mark_done_why(self) -> None:
        """m on the sandbox's step 3 (hidden from the footer there): say why nothing is marked."""
        self.notify(
            "The sandbox runs no code, so nothing can be pushed to it by hand either: g rehearses the push.",
            severity="warning",
        )

    def allows(self, action: str, parameters: tuple[object, ...]) -> bool:
        if action in ("mark_done", "mark_done_why"):
            return (action == "mark_done_why") == self.on_sandbox  # the sandbox runs no code: m says why
        return True

    def action_mark_done(self) -> None:
        def mark(ref: str) -> None:
            self.checklist.done(
                3, f"pushed by hand ({ref.strip() or 'ref not given'})", ref=ref.strip() or None, command="by hand"
            )
            self.changed()

        self.ask("Which ref did you deploy by hand? (enter marks step 3 done)", mark)
