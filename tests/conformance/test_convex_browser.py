"""Real client: `convex/browser` from the `convex` npm package (v1.48.0), run by node: HTTP
(`ConvexHttpClient`) and WebSocket (`ConvexClient`) query and mutation round trips, and the errors for
functions that do not exist, against the sandbox."""

from __future__ import annotations

import json

import pytest
from real_clients import convex_npm, node_project, run_node

pytestmark = pytest.mark.cli


def test_http_and_websocket_round_trips_and_missing_functions(world, tmp_path):
    folder = node_project(tmp_path / "browser", convex_npm())
    result = run_node(folder, "browser_round_trips.mjs", world.url, world.key, "browser_notes")
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr[-3000:]}"
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert (report["httpSizeBefore"], report["httpSizeAfter"]) == (0, 1)
    assert report["httpMutation"] == report["wsMutation"] == {"success": True}
    # The WebSocket mutation returned (it resolves only once a Transition reaches its timestamp) and the
    # query after it sees its write.
    assert (report["wsSizeBefore"], report["wsSizeAfter"]) == (1, 2)
    for key, name in [
        ("httpMissingQuery", "messages:list"),
        ("httpMissingMutation", "messages:send"),
        ("wsMissingQuery", "messages:list"),
        ("wsMissingMutation", "messages:send"),
        ("wsMissingAction", "messages:notify"),
    ]:
        assert report[key] and f"Could not find public function for '{name}'" in report[key], (key, report[key])
