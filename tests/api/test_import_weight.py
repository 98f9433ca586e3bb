"""Opening a target must not import httpx's command-line tool (click, pygments, rich.syntax): it is never
used and cost some 30-50 ms of the app's start (tui/api/__init__.py keeps it out)."""

from __future__ import annotations

import subprocess
import sys


def test_the_clients_load_without_httpx_command_line_tool():
    code = ("import sys, tui.api.platform_client, tui.api.deployment_client, httpx; "
            "print(sorted(m for m in ('click', 'pygments', 'httpx._main') if sys.modules.get(m) is not None)); "
            "print(httpx.AsyncClient.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["[]", "AsyncClient"]
