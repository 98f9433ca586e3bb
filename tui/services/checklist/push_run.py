"""Step 3's run, one stage after another, its output streamed line by line:

1. a clean `git worktree` of the ref (detached, in a temporary folder, removed at the end);
2. the dependencies installed there by the lockfile's own package manager (`npm ci`, `pnpm install
   --frozen-lockfile`, ...), without the deployment's credentials in its environment;
3. the deploy command (`npx convex deploy --yes --message "restore <ref> ..."`) with them;
4. the push confirmed from the deployment's audit log (`tui.services.checklist.push_confirm`).

The sandbox runs no code: it answers the push with `SandboxRunsNoCode` (the code was received, nothing
deployed), and then, as whenever the target is the sandbox, the run ends "rehearsed", never "done".
Cancel ends the running stage's whole process group and starts no other. No textual.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.services.checklist import code_push
from tui.services.checklist.push_confirm import PushEvidence
from tui.services.checklist.push_plan import PushPlan

SANDBOX_ANSWER = "SandboxRunsNoCode"  # the code of the sandbox's answer to a push
CREDENTIAL_VARIABLES = (
    "CONVEX_DEPLOY_KEY",
    "CONVEX_SELF_HOSTED_URL",
    "CONVEX_SELF_HOSTED_ADMIN_KEY",
    "CONVEX_DEPLOYMENT",
    "CONVEX_DEPLOYMENT_TOKEN",
)


@dataclass
class PushResult:
    status: str  # done | rehearsed | failed | canceled
    outcome: str  # one line for the checklist and the incident log
    data: dict[str, Any] = field(default_factory=dict)


def _reason(lines: list[str]) -> str:
    """The CLI's last failure line (it starts with ✖), else the last line; short enough for one line."""
    failures = [line for line in lines if line.lstrip().startswith("✖")]
    text = (failures or [line for line in lines if line.strip()] or [""])[-1].strip().lstrip("✖ ").strip()
    return text if len(text) <= 200 else text[:197] + "…"


class PushRun:
    def __init__(
        self,
        plan: PushPlan,
        env: dict[str, str],
        *,
        sandbox: bool,
        confirm: Callable[[int], Awaitable[PushEvidence]] | None = None,
        keep_worktree: bool = False,
    ) -> None:
        self.plan = plan
        self.env = env
        self.sandbox = sandbox
        self.confirm = confirm
        self.keep_worktree = keep_worktree
        self.stage = "waiting"  # worktree | install | deploy | confirm | finished
        self.current: code_push.DeployRun | None = None
        self.canceled = False
        self.result: PushResult | None = None
        self.worktree: Path | None = None

    def cancel(self) -> None:
        self.canceled = True
        if self.current is not None:
            self.current.cancel()

    @property
    def running(self) -> bool:
        return self.result is None and self.stage != "waiting"

    def _data(self, **more: Any) -> dict[str, Any]:
        plan = self.plan
        return {
            "ref": plan.ref_name,
            "sha": plan.sha,
            "command": plan.command,
            "message": plan.message,
            "install": plan.installer.command if plan.installer else None,
            "lockfile": plan.installer.lockfile if plan.installer else None,
            **more,
        }

    def _end(self, status: str, outcome: str, **data: Any) -> None:
        self.stage = "finished"
        self.result = PushResult(status, outcome, self._data(**data))

    def _exit_status(self) -> int | None:
        """How the command `_run` ran last exited."""
        return self.current.exit_status if self.current is not None else None

    async def _run(self, command: str, env: dict[str, str], cwd: Path, seen: list[str]) -> AsyncIterator[str]:
        self.current = code_push.DeployRun(command, cwd, env)
        async for line in self.current.lines():
            seen.append(line)
            yield line

    async def lines(self) -> AsyncIterator[str]:
        plan, ref = self.plan, self.plan.ref_name
        short = plan.sha[:7]
        try:
            self.stage = "worktree"
            yield f"[1/4] Clean checkout of {ref} ({short}) in a temporary worktree"
            installer = plan.installer
            if plan.repo_root is None or installer is None:  # not `ready`: the step does not start such a plan
                self._end("failed", f"could not push {ref}: {'; '.join(plan.missing) or 'nothing to install with'}")
                return
            try:
                self.worktree = code_push.make_worktree(plan.repo_root, plan.sha)
            except Exception as exc:  # noqa: BLE001 - git's own words say why
                self._end("failed", f"could not check out {ref}: {code_push.git_error(exc)}")
                return
            folder = plan.worktree_folder(self.worktree)
            if self.canceled:
                self._end("canceled", f"push of {ref} canceled before the install")
                return

            self.stage = "install"
            yield f"[2/4] Install with {installer.manager} from {installer.lockfile}: {installer.command}"
            without_credentials = {k: v for k, v in self.env.items() if k not in CREDENTIAL_VARIABLES}
            seen: list[str] = []
            async for line in self._run(installer.command, without_credentials, folder, seen):
                yield line
            status = self._exit_status()
            if self.canceled:
                self._end("canceled", f"push of {ref} canceled during the install", exit_status=status)
                return
            if status != 0:
                self._end(
                    "failed",
                    f"the install ({installer.command}) failed with exit {status}; nothing was pushed: {_reason(seen)}",
                    exit_status=status,
                )
                return

            self.stage = "deploy"
            yield f"[3/4] Push: {plan.command}"
            seen = []
            started_ms = int(time.time() * 1000)
            # CI=1 keeps the CLI from reporting the sandbox's refusal to Convex's error tracker (a rehearsal
            # is no bug of theirs); a real push runs in the operator's environment as it is.
            env = {**self.env, "CI": "1"} if self.sandbox else self.env
            async for line in self._run(plan.command, env, folder, seen):
                yield line
            status = self._exit_status()
            answered = any(SANDBOX_ANSWER in line for line in seen)
            if self.canceled:
                self._end("canceled", f"push of {ref} canceled (exit {status})", exit_status=status)
            elif answered:
                self._end(
                    "rehearsed",
                    f"rehearsed, not deployed: {ref} checked out, installed and bundled; the "
                    "sandbox received the push and runs no code",
                    exit_status=status,
                )
            elif self.sandbox and status == 0:
                self._end(
                    "rehearsed",
                    f"rehearsed, not deployed: the command for {ref} exited 0, but the sandbox runs no code",
                    exit_status=status,
                )
            elif status != 0:
                self._end("failed", f"push of {ref} failed (exit {status}): {_reason(seen)}", exit_status=status)
            else:
                self.stage = "confirm"
                yield "[4/4] Confirm from the deployment's audit log"
                evidence = (
                    await self.confirm(started_ms)
                    if self.confirm
                    else PushEvidence(False, "nothing to confirm it with", known=False)
                )
                yield f"      {evidence.text}"
                if evidence.confirmed:
                    self._end(
                        "done", f"deployed {ref}; {evidence.text}", exit_status=status, confirmed_at_ms=evidence.at_ms
                    )
                elif not evidence.known:
                    self._end("done", f"deployed {ref} (exit 0), not confirmed: {evidence.text}", exit_status=status)
                else:
                    self._end(
                        "failed",
                        f"the push of {ref} exited 0 but {evidence.text}: check the deployment before going on",
                        exit_status=status,
                    )
        finally:
            if self.result is None and self.current is not None:
                self.current.cancel()  # the caller is gone (an exception, a cancelled task): so is the stage
            self.current = None
            if self.worktree is not None and plan.repo_root is not None and not self.keep_worktree:
                code_push.remove_worktree(plan.repo_root, self.worktree)
            if self.result is None:  # an exception is on its way out
                self.stage = "finished"
