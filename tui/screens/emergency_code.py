"""Step 3 of the checklist, push known-good code: the project folder (found from the working directory, or
p to give one), its git tags and commits, g deploys the highlighted ref from a clean worktree with the
output streamed below, k cancels; where it cannot run, the exact commands to run by hand and m marks the
step done."""

from __future__ import annotations

import os
from pathlib import Path

from textual import work

from tui.api.secrets import Secret, reveal
from tui.services import code_push
from tui.widgets import formatting as fmt


class CodeStepMixin:
    def init_code_step(self, deploy_command: str | None, project: Path | None,
                       deploy_key: Secret | None = None) -> None:
        self.deploy_key = deploy_key  # a profile's CONVEX_DEPLOY_KEY for the push; never shown
        self.deploy_command = (deploy_command or os.environ.get("CONVEX_BACKUPS_DEPLOY_COMMAND")
                               or code_push.DEFAULT_COMMAND)
        self.project = project or code_push.find_project()
        self.refs: list[code_push.GitRef] = []
        self.deploy_run: code_push.DeployRun | None = None

    def _manual(self, ref: str | None = None) -> str:
        return code_push.manual_instructions(self.ref.name, ref, project=self.project, command=self.deploy_command,
                                             self_hosted=self.deploy_key is None)

    def panel_3(self, head: str) -> None:
        missing = code_push.missing_tools(self.deploy_command)
        if self.project is None or missing:
            why = (f"Missing on this machine: {', '.join(missing)}." if missing else
                   "No project folder (convex/ and package.json) found from here; p gives its path.")
            self.say(head + why + "\nRun this by hand, then press m to mark the step done:\n\n" + self._manual())
            return
        try:
            self.refs = code_push.list_refs(self.project)
        except Exception as exc:  # noqa: BLE001
            self.say(head + f"Could not read git history of {self.project}: {fmt.error_text(exc)}\n\n" + self._manual())
            return
        table = self.show_table(["Ref", "What"])
        for index, ref in enumerate(self.refs):  # a tag and a commit may share a sha: keyed by position
            table.add_row(ref.name if ref.kind == "tag" else ref.sha[:10], ref.summary, key=str(index))
        running = self.deploy_run is not None and self.deploy_run.exit_status is None
        self.show_log(running or bool(self.checklist.steps[3].data.get("ref")))
        with_key = " (with the profile's deploy key)" if self.deploy_key else ""
        self.say(head + f"Project: {self.project}\nCommand: {self.deploy_command}{with_key}\n"
                 "Choose a known-good tag or commit, g deploys it from a clean worktree (k cancels) · "
                 "p another folder · m mark done by hand")

    def action_project(self) -> None:
        def chosen(value: str) -> None:
            path = Path(value.strip()).expanduser()
            if not code_push.is_project(path):
                self.notify(f"{path} has no convex/ folder and package.json.", severity="warning")
                return
            self.project = path
            self.show_panel()

        self.ask("The app's project folder (it has convex/ and package.json):", chosen,
                 value=str(self.project or Path.cwd()))

    def run_3(self) -> None:
        table = self.query_one("#em-table")
        if self.project is None or not table.display or not table.row_count:
            self.notify("Choose the project folder first (p), or run it by hand and press m.", severity="warning")
            return
        if self.deploy_run is not None and self.deploy_run.exit_status is None:
            return
        ref = self.refs[int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)]
        self.confirm_typed(f"Deploy {ref.summary} to {self.ref.name}?", lambda: self.deploy_worker(ref))

    @work(exclusive=True, group="em-deploy", exit_on_error=False)
    async def deploy_worker(self, ref: code_push.GitRef) -> None:
        log = self.show_log(True)
        log.clear()
        self.checklist.start(3, ref=ref.name, command=self.deploy_command)
        self.redraw_steps()
        worktree = None
        try:
            url, key = await code_push.credentials_for(self.target, self.ref)
            env = code_push.push_environment(self.ref.name, url, key, reveal(self.deploy_key))
            worktree = code_push.make_worktree(self.project, ref.sha)
            credential = "the profile's deploy key" if self.deploy_key else "the deployment's admin credential"
            log.write_line(f"$ {self.deploy_command}   (in a clean worktree of {ref.name}, with {credential})")
            self.deploy_run = code_push.DeployRun(self.deploy_command, worktree, env)
            async for line in self.deploy_run.lines():
                log.write_line(line)
            status = self.deploy_run.exit_status
        except Exception as exc:  # noqa: BLE001
            self.checklist.fail(3, f"could not run the deploy: {fmt.error_text(exc)}")
            log.write_line(fmt.error_text(exc))
        else:
            if self.deploy_run.canceled:
                self.checklist.fail(3, f"deploy of {ref.name} canceled (exit {status})", exit_status=status)
            elif status == 0:
                self.checklist.done(3, f"deployed {ref.name} (exit 0)", exit_status=status)
            else:
                self.checklist.fail(3, f"deploy of {ref.name} failed (exit {status})", exit_status=status)
            log.write_line(f"exit status {status}")
        finally:
            if worktree is not None:
                code_push.remove_worktree(self.project, worktree)
        self.after_change()

    def action_cancel_run(self) -> None:
        if self.deploy_run is not None and self.deploy_run.exit_status is None:
            self.deploy_run.cancel()

    def action_mark_done(self) -> None:
        if self.selected == 5:
            self.checklist.done(5, "manual fixes finished", **{"edits": self.checklist.steps[5].data.get("edits", [])})
            self.after_change()
            return

        def mark(ref: str) -> None:
            self.checklist.done(3, f"pushed by hand ({ref.strip() or 'ref not given'})", ref=ref.strip() or None,
                                command="by hand")
            self.after_change()

        self.ask("Which ref did you deploy by hand? (enter marks step 3 done)", mark)
