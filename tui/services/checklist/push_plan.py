"""What step 3 will do to push one git ref, worked out before anything starts: the project's folder inside
its git repository, the lockfile at that ref and the package manager it names (npm, pnpm, yarn or bun), the
install command that follows the lockfile exactly, the deploy command with a `--message` naming the ref,
and every missing prerequisite in words (no git, no Node, no lockfile, the package manager not installed,
no `convex` dependency). Files are read from git at the ref, so nothing is checked out to find out.
No textual.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

DEFAULT_COMMAND = "npx convex deploy --yes"
MAX_MESSAGE_BYTES = 1024  # Convex refuses a longer push message

# Lockfile -> package manager, in the order they are preferred when several are committed and package.json's
# `packageManager` names none of them.
LOCKFILES: tuple[tuple[str, str], ...] = (
    ("package-lock.json", "npm"),
    ("npm-shrinkwrap.json", "npm"),
    ("pnpm-lock.yaml", "pnpm"),
    ("yarn.lock", "yarn"),
    ("bun.lock", "bun"),
    ("bun.lockb", "bun"),
)
HOW_TO_INSTALL = {
    "npm": "it comes with Node.js",
    "pnpm": "npm install -g pnpm, or corepack enable",
    "yarn": "npm install -g yarn, or corepack enable",
    "bun": "see bun.sh",
}


@dataclass(frozen=True)
class Installer:
    """The package manager a lockfile names and the install that follows that lockfile exactly."""

    manager: str
    lockfile: str  # path from the git repository's root
    argv: tuple[str, ...]

    @property
    def command(self) -> str:
        return shlex.join(self.argv)


def install_argv(manager: str, lockfile_text: str = "") -> tuple[str, ...]:
    if manager == "npm":
        return ("npm", "ci", "--no-audit", "--no-fund")
    if manager == "pnpm":
        return ("pnpm", "install", "--frozen-lockfile")
    if manager == "bun":
        return ("bun", "install", "--frozen-lockfile")
    # yarn 2+ (berry) lockfiles carry a __metadata block and take --immutable; yarn 1 takes --frozen-lockfile
    return (
        ("yarn", "install", "--immutable")
        if "__metadata:" in lockfile_text
        else ("yarn", "install", "--frozen-lockfile")
    )


def is_convex_deploy(command: str) -> bool:
    words = shlex.split(command) if command.strip() else []
    return any(a == "convex" and b == "deploy" for a, b in zip(words, words[1:]))


def push_message(ref_name: str, sha: str, checklist_id: str | None = None) -> str:
    """The push's audit-log message: the ref and its commit (and the checklist it belongs to)."""
    ref = ref_name if ref_name == sha else f"{ref_name} ({sha[:12]})"
    message = f"restore {ref}" + (f" · convex-backups checklist {checklist_id}" if checklist_id else "")
    return message.encode()[:MAX_MESSAGE_BYTES].decode(errors="ignore")


def deploy_command(command: str, message: str) -> str:
    """A convex deploy gets `--message` (unless it already has one); other commands are run as written."""
    if is_convex_deploy(command) and "--message" not in shlex.split(command):
        return f"{command} --message {shlex.quote(message)}"
    return command


@dataclass
class PushPlan:
    project: Path  # the app's folder (convex/ and package.json), in the operator's checkout
    repo_root: Path | None  # the git repository holding it; None when it is not in one
    subfolder: str  # the project's path inside the repository ("" at its root)
    ref_name: str
    sha: str
    command: str  # the deploy command as it will run (with --message)
    message: str | None  # the push message, when the command is a convex deploy
    installer: Installer | None
    missing: list[str] = field(default_factory=list)  # sentences, each saying what is missing and what to do
    notes: list[str] = field(default_factory=list)  # facts worth saying (several lockfiles, ...)

    @property
    def ready(self) -> bool:
        return not self.missing

    def worktree_folder(self, worktree: Path) -> Path:
        """Where the project is inside a worktree of the repository."""
        return worktree / self.subfolder if self.subfolder else worktree


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=30)


def repository_of(project: Path) -> tuple[Path, str] | None:
    """(the repository's root, the project's path inside it), or None outside a git repository."""
    result = _git(project, "rev-parse", "--show-toplevel")
    if result.returncode != 0:
        return None
    root = Path(result.stdout.strip()).resolve()
    inside = Path(project).resolve().relative_to(root).as_posix()
    return root, "" if inside == "." else inside


def _read_at(root: Path, sha: str, path: str) -> str | None:
    result = _git(root, "show", f"{sha}:{path}")
    return result.stdout if result.returncode == 0 else None


def _files_at(root: Path, sha: str, folder: str) -> set[str]:
    result = _git(root, "ls-tree", "--name-only", sha, f"{folder}/" if folder else ".")
    return {PurePosixPath(line).name for line in result.stdout.splitlines()} if result.returncode == 0 else set()


def _folders_up(subfolder: str) -> list[str]:
    """The project's folder, then each parent up to the repository root (a workspace's lockfile is there)."""
    parts = PurePosixPath(subfolder).parts if subfolder else ()
    return ["/".join(parts[:n]) for n in range(len(parts), -1, -1)]


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def find_installer(
    root: Path, sha: str, subfolder: str, package_json: dict[str, Any]
) -> tuple[Installer | None, list[str]]:
    """The lockfile nearest the project at `sha` and its package manager; notes when the choice needed one."""
    wanted = str(package_json.get("packageManager") or "").split("@")[0]
    for folder in _folders_up(subfolder):
        present = _files_at(root, sha, folder)
        found = [(name, manager) for name, manager in LOCKFILES if name in present]
        if not found:
            continue
        name, manager = next(((n, m) for n, m in found if m == wanted), found[0])
        notes = []
        if len({m for _, m in found}) > 1:
            reason = "package.json's packageManager" if manager == wanted else "the first of them"
            notes.append(f"Several lockfiles ({', '.join(n for n, _ in found)}); using {name} ({reason}).")
        path = _join(folder, name)
        text = _read_at(root, sha, path) if manager == "yarn" else ""
        return Installer(manager, path, install_argv(manager, text or "")), notes
    return None, []


def _functions_folder(root: Path, sha: str, subfolder: str) -> str:
    """convex/, or the folder convex.json's `functions` names."""
    try:
        config = json.loads(_read_at(root, sha, _join(subfolder, "convex.json")) or "{}")
    except ValueError:
        config = {}
    named = config.get("functions") if isinstance(config, dict) else None
    return str(PurePosixPath(named)) if isinstance(named, str) and named.strip() else "convex"


def _has_convex(package_json: dict[str, Any]) -> bool:
    return any("convex" in (package_json.get(key) or {}) for key in ("dependencies", "devDependencies"))


def missing_programs(command: str, installer: Installer | None) -> list[str]:
    missing = []
    if not shutil.which("git"):
        missing.append("git is not installed (it checks out the known-good ref): install git.")
    if not shutil.which("node"):
        missing.append(
            "Node.js is not installed (no `node` on PATH); the convex CLI needs it: install Node.js 18 or newer."
        )
    program = shlex.split(command)[0] if command.strip() else ""
    if program and program != "node" and not shutil.which(program):
        missing.append(f"`{program}` is not installed (the deploy command starts with it).")
    if installer is not None and installer.manager != program and not shutil.which(installer.manager):
        missing.append(
            f"{installer.manager} is not installed, and {PurePosixPath(installer.lockfile).name} needs "
            f"it to install the dependencies ({HOW_TO_INSTALL[installer.manager]})."
        )
    return missing


def plan_push(
    project: Path, ref_name: str, sha: str, *, command: str = DEFAULT_COMMAND, checklist_id: str | None = None
) -> PushPlan:
    """Everything step 3 needs to know before it starts; `missing` says what stops it."""
    is_deploy = is_convex_deploy(command)
    message = push_message(ref_name, sha, checklist_id) if is_deploy else None
    plan = PushPlan(
        Path(project), None, "", ref_name, sha, deploy_command(command, message) if message else command, message, None
    )
    if not shutil.which("git"):
        plan.missing = missing_programs(command, None)
        return plan
    found = repository_of(project)
    if found is None:
        plan.missing.append(
            f"{project} is not inside a git repository, so no known-good ref can be checked out: "
            "push by hand from a copy of the good code."
        )
        return plan
    plan.repo_root, plan.subfolder = found
    where = f"{plan.subfolder or 'the repository root'} at {ref_name}"
    raw = _read_at(plan.repo_root, sha, _join(plan.subfolder, "package.json"))
    try:
        package_json = json.loads(raw) if raw is not None else None
    except ValueError:
        package_json = None
    if raw is None:
        plan.missing.append(f"There is no package.json in {where}: that ref is not a Convex app.")
    elif not isinstance(package_json, dict):
        plan.missing.append(f"package.json in {where} is not valid JSON.")
    else:
        plan.installer, plan.notes = find_installer(plan.repo_root, sha, plan.subfolder, package_json)
        if plan.installer is None:
            plan.missing.append(
                f"No lockfile in {where} (package-lock.json, pnpm-lock.yaml, yarn.lock or bun.lock), so its "
                "dependencies cannot be installed as they were: commit one, or push by hand."
            )
        if is_deploy and not _has_convex(package_json):
            plan.missing.append(
                f"package.json in {where} lists no `convex` dependency, so `npx convex` would "
                "fetch whatever version is newest: add it, or push by hand."
            )
    functions = _functions_folder(plan.repo_root, sha, plan.subfolder)
    if not _files_at(plan.repo_root, sha, _join(plan.subfolder, functions)):
        plan.missing.append(f"There is no {functions}/ folder (the app's functions) in {where}.")
    plan.missing += missing_programs(command, plan.installer)
    return plan
