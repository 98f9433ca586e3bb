from tui.cli import run

raise SystemExit(run())
