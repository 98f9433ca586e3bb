"""A headless command builds the parser of that command alone: `convex-backups download` does not import
the restore command (and the WebSocket client, the diff, ... it brings) before it starts."""

from __future__ import annotations

import subprocess
import sys

from tui.cli import build_parser, named_command


def test_the_command_is_found_after_the_top_options():
    assert named_command(["download", "123", "--to", "x"]) == "download"
    assert named_command(["--profile", "prod", "cancel-import", "abc"]) == "cancel-import"
    assert named_command(["run-schedules"]) == "run-schedules"


def test_help_no_command_and_unknown_words_get_the_full_parser():
    assert named_command([]) is None
    assert named_command(["download", "--help"]) is None
    assert named_command(["sandbox", "serve", "--help"]) is None
    assert named_command(["nonsense"]) is None


def test_the_sandbox_is_a_command_of_its_own():
    assert named_command(["sandbox", "serve"]) == "sandbox"
    argv = ["sandbox", "serve", "--data", "/tmp/x", "--port", "0"]
    assert vars(build_parser(named_command(argv)).parse_args(argv)) == vars(build_parser().parse_args(argv))


def test_the_sandbox_process_imports_no_command_and_no_http_client():
    """Every app and test that uses the sandbox starts it: it must not import the headless commands and the
    network stack they bring (that doubled its start-up CPU)."""
    code = (
        "import sys; from tui.cli import build_parser, named_command; "
        "argv = ['sandbox', 'serve', '--port', '0']; build_parser(named_command(argv)).parse_args(argv); "
        "import tui.emulator.sandbox.serve; "
        "print(sorted(m for m in sys.modules if m.startswith('tui.commands.') or m == 'httpx'))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_one_command_parses_as_with_the_full_parser():
    argv = ["--profile", "prod", "download", "123", "--to", "/tmp/x", "--json"]
    assert vars(build_parser(named_command(argv)).parse_args(argv)) == vars(build_parser().parse_args(argv))


def test_a_download_imports_no_other_command():
    code = (
        "import sys; from tui.cli import build_parser, named_command; "
        "build_parser(named_command(['download', '123'])).parse_args(['download', '123']); "
        "print(sorted(m for m in sys.modules if m.startswith('tui.commands.')))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['tui.commands.download_cmd']"
