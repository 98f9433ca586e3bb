"""The documents stay true where a machine can tell: README.md's `config.toml` example loads through the
app's own loader (profiles, `[ui.keys]`, `[trend]`), every relative link of README.md and of the documents
under tui/ names a file that exists, and the test command CI runs is the README's, verbatim."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tui import bindings
from tui.services.config.settings import Homes, load_config, trend_settings
from tui.services.config.targets import from_profile

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCUMENTS = [README, *sorted((ROOT / "tui").rglob("README.md"))]
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _config_example() -> str:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", text, re.DOTALL)
    examples = [block for block in blocks if "[profiles." in block]
    assert examples, "README.md has no config.toml example with profiles"
    return examples[0]


def test_the_readme_config_example_loads(tmp_path):
    homes = Homes(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    homes.config_dir.mkdir()
    homes.config_file.write_text(_config_example(), encoding="utf-8")
    homes.config_file.chmod(0o600)

    config = load_config(homes)

    assert config.warnings == ()
    assert config.default_profile in config.profiles
    kinds = {
        from_profile(config, profile, {}, tmp_path).kind
        for profile in config.profiles.values()
        if not profile.use_cli_login
    }
    assert {"selfHosted", "sandbox"} <= kinds
    keymap, warnings = bindings.keymap_from_config(config.ui)
    assert keymap and warnings == []
    assert trend_settings(config).drop_percent > 0


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_relative_link_names_a_file_that_exists(document):
    text = document.read_text(encoding="utf-8")
    missing = [
        target
        for target in _LINK.findall(text)
        if "://" not in target and not target.startswith("#") and not (document.parent / target.split("#")[0]).exists()
    ]
    assert not missing, f"{document.relative_to(ROOT)} links to files that do not exist: {missing}"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = next(line for line in reversed(ci.splitlines()) if "-m pytest" in line).strip()
    assert command in README.read_text(encoding="utf-8")


_PATH = re.compile(r"`((?:tui|tests)/[\w./-]*)`")


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_path_named_in_the_documents_exists(document):
    """Modules move; a document that names `tui/...` or `tests/...` must follow them."""
    named = {
        path.rstrip("/")
        for path in _PATH.findall(document.read_text(encoding="utf-8"))
        if "*" not in path and "<" not in path
    }
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert not missing, f"{document.relative_to(ROOT)} names paths that do not exist: {missing}"
