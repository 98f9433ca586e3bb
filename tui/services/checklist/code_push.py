"""Step 3, push known-good code, the pieces: find the app's project folder, list its git tags and commits,
make and remove a clean `git worktree` of a ref, the deploy's environment (the target's credentials), and
one command run in its own process group with its output streamed line by line (colour codes and spinner
redraws removed) and cancel ending the whole group. What runs in which order is `tui.services.checklist.push_run`,
what it needs first `tui.services.checklist.push_plan`. Where the push cannot run here, `manual_instructions` says
exactly what to run by hand. No textual.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tui.services.checklist.push_plan import DEFAULT_COMMAND, Installer, deploy_command

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def is_project(folder: Path) -> bool:
    return (folder / "convex").is_dir() and (folder / "package.json").is_file()


def find_project(start: Path | None = None) -> Path | None:
    """`start` or the nearest parent that has `convex/` and `package.json`."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if is_project(folder):
            return folder
    return None


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(folder), *args], check=True, capture_output=True, text=True, timeout=30
    ).stdout


@dataclass(frozen=True)
class GitRef:
    name: str  # a tag name or a commit sha
    sha: str
    summary: str  # "tag v1.2 — 2024-05-01 fix login" / "commit abc1234 — 2024-05-01 message"
    kind: str  # "tag" | "commit"


def list_refs(project: Path, *, commits: int = 20) -> list[GitRef]:
    """Tags (newest first) then the latest commits of HEAD."""
    refs: list[GitRef] = []
    out = _git(
        project,
        "for-each-ref",
        "--sort=-creatordate",
        "--format=%(refname:short)%09%(objectname)%09%(creatordate:short)%09%(subject)",
        "refs/tags",
    )
    for line in out.splitlines():
        name, sha, date, subject = (line.split("\t") + ["", "", ""])[:4]
        refs.append(GitRef(name, sha, f"tag {name} — {date} {subject}".strip(), "tag"))
    try:
        out = _git(project, "log", f"-{commits}", "--format=%H%x09%ad%x09%s", "--date=short")
    except subprocess.CalledProcessError:
        out = ""  # no commits yet
    for line in out.splitlines():
        sha, date, subject = (line.split("\t") + ["", ""])[:3]
        refs.append(GitRef(sha, sha, f"commit {sha[:7]} — {date} {subject}".strip(), "commit"))
    return refs


def make_worktree(project: Path, ref: str) -> Path:
    """A clean checkout of `ref` (detached) in a new temporary folder; remove it with `remove_worktree`."""
    folder = Path(tempfile.mkdtemp(prefix="convex-backups-push-"))
    folder.rmdir()
    _git(project, "worktree", "add", "--detach", str(folder), ref)
    return folder


def git_error(exc: Exception) -> str:
    """git's own last words about a failed command."""
    stderr = getattr(exc, "stderr", None)
    lines = [line for line in (stderr or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else str(exc)


def remove_worktree(project: Path, worktree: Path) -> None:
    try:
        _git(project, "worktree", "remove", "--force", str(worktree))
    except (subprocess.CalledProcessError, OSError):
        shutil.rmtree(worktree, ignore_errors=True)


def deploy_environment(
    url: str | None, admin_key: str | None, deploy_key: str | None = None, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The deploy's environment: a deploy key when the profile has one, else the self-hosted pair (what
    self-hosted and sandbox deployments use). CONVEX_DEPLOYMENT is removed (it would conflict)."""
    env = dict(os.environ if base is None else base)
    for name in ("CONVEX_DEPLOYMENT", "CONVEX_DEPLOY_KEY", "CONVEX_SELF_HOSTED_URL", "CONVEX_SELF_HOSTED_ADMIN_KEY"):
        env.pop(name, None)
    if deploy_key:
        env["CONVEX_DEPLOY_KEY"] = deploy_key
    elif url and admin_key:
        env["CONVEX_SELF_HOSTED_URL"] = url
        env["CONVEX_SELF_HOSTED_ADMIN_KEY"] = admin_key
    return env


def deploy_key_deployment(deploy_key: str) -> str | None:
    """The deployment a deploy key names (`prod:<name>|...`, `dev:<name>|...`); None for keys that name a
    team or project (preview and project keys) rather than one deployment."""
    kind, _, rest = deploy_key.partition("|")[0].partition(":")
    return rest if kind in ("prod", "dev") and rest and ":" not in rest else None


def push_environment(
    deployment: str,
    url: str | None,
    admin_key: str | None,
    deploy_key: str | None,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """`deploy_environment`, refusing a profile's deploy key that names another deployment (the push would
    go there). The message names both deployments, never the key."""
    if deploy_key:
        named = deploy_key_deployment(deploy_key)
        if named is not None and named != deployment:
            raise ValueError(
                f"The profile's deploy key is for {named}, not {deployment}: nothing was deployed. "
                "Use a profile whose deploy_key belongs to this deployment, or run the push by hand."
            )
    return deploy_environment(url, admin_key, deploy_key, base)


def missing_tools(command: str) -> list[str]:
    missing = [] if shutil.which("git") else ["git"]
    program = shlex.split(command)[0] if command.strip() else ""
    if program and not shutil.which(program):
        missing.append(program)
    if program == "npx" and not shutil.which("node"):
        missing.append("node")
    return missing


def manual_instructions(
    deployment: str,
    ref: str | None,
    *,
    project: Path | None,
    command: str = DEFAULT_COMMAND,
    self_hosted: bool = True,
    installer: Installer | None = None,
) -> str:
    """What to run by hand when the app cannot (credentials are named, never printed)."""
    folder = str(project) if project else "<your app's folder (it has convex/ and package.json)>"
    ref = ref or "<a known-good tag or commit>"
    creds = (
        "export CONVEX_SELF_HOSTED_URL=... CONVEX_SELF_HOSTED_ADMIN_KEY=...   "
        f"# convex-backups sandbox credentials {deployment}, or your self-hosted values"
        if self_hosted
        else f"export CONVEX_DEPLOY_KEY=...   # a production deploy key of {deployment}"
    )
    install = installer.command if installer else "npm ci   # or pnpm/yarn/bun install, following your lockfile"
    return "\n".join(
        [
            f"cd {folder}",
            f"git worktree add --detach /tmp/known-good {ref}",
            f"cd /tmp/known-good && {install}",
            creds,
            deploy_command(command, f"restore {ref}"),
            "Then press m here and name the ref.",
        ]
    )


@dataclass
class DeployRun:
    """One run of the deploy command in its own process group."""

    command: str
    cwd: Path
    env: dict[str, str] = field(repr=False)
    process: asyncio.subprocess.Process | None = None
    exit_status: int | None = None
    canceled: bool = False

    async def lines(self) -> AsyncIterator[str]:
        """Start the command and yield its output (stdout and stderr merged) line by line."""
        self.process = await asyncio.create_subprocess_exec(
            "sh",
            "-c",
            self.command,
            cwd=str(self.cwd),
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            stdin=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )
        assert self.process.stdout is not None
        while True:
            line = await self.process.stdout.readline()
            if not line:
                break
            text = ANSI.sub("", line.decode("utf-8", errors="replace").rstrip("\n"))
            # a spinner redraws its line with carriage returns: what it ended on is what counts
            yield text.rstrip("\r").rsplit("\r", 1)[-1]
        self.exit_status = await self.process.wait()

    def cancel(self) -> None:
        """Terminate the whole process group (npx and the node it started)."""
        self.canceled = True
        if self.process is not None and self.process.returncode is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
