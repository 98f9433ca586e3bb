"""The tiny real Convex app of fixtures/tiny_project (package.json and a lockfile whose only dependency is
the pinned `convex`, one query in convex/), made into a git repository with a tag in a temporary folder:
a nested .git cannot be committed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

FIXTURE = Path(__file__).parent / "fixtures" / "tiny_project"
# Fixed names and dates: the same files make the same commit ids (the snapshots show them).
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@t",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@t",
    "GIT_AUTHOR_DATE": "2026-03-01T10:00:00Z",
    "GIT_COMMITTER_DATE": "2026-03-01T10:00:00Z",
    "PATH": "/usr/bin:/bin",
    "HOME": "/nonexistent",
}


def git(folder: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(folder), *args], check=True, capture_output=True, text=True, env=GIT_ENV
    ).stdout


def tiny_project(parent: Path, *, tag: str = "v1", without: tuple[str, ...] = ()) -> Path:
    """The fixture committed and tagged `tag` in `parent`/app; `without` names files left out."""
    folder = parent / "app"
    shutil.copytree(FIXTURE, folder, ignore=shutil.ignore_patterns("node_modules", "_generated", *without))
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "known good")
    git(folder, "tag", tag)
    return folder


def write_empty_lockfile(folder: Path) -> None:
    """package.json and package-lock.json of a package with no dependencies: `npm ci` installs nothing and
    needs no network (for the tests whose deploy command is a stand-in for the CLI)."""
    (folder / "package.json").write_text('{"name": "app", "version": "1.0.0"}\n')
    (folder / "package-lock.json").write_text(
        '{"name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,\n'
        ' "packages": {"": {"name": "app", "version": "1.0.0"}}}\n'
    )
