"""Every command waits for its imports: the HTTP clients must not bring in httpx's command-line tool
(click, pygments, rich: 60-120 ms measured), which this app never runs."""

from __future__ import annotations

import subprocess
import sys


def test_the_clients_leave_httpx_s_command_line_tool_out():
    code = (
        "import sys, tui.api.deployment.client, tui.api.platform.client; "
        "print(sorted(m for m in ('click', 'pygments', 'rich', 'httpx._main') if sys.modules.get(m)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
