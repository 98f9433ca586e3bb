from __future__ import annotations

import functools
import gc
import json
import os
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from official_cli import CACHE  # noqa: E402
from run_shared import built_once_per_run  # noqa: E402
from sandbox_process import DEMO, SandboxProcess, start_demo_copy, wait_for  # noqa: E402

# Every sandbox, CLI run and xdist worker is a new Python process importing the app. Where PYTHONDONTWRITEBYTECODE
# is set, each compiled every module from source again: a quarter of a sandbox start's CPU. Their bytecode goes to
# the tests' cache folder instead, outside the source tree as that setting wants.
if os.environ.pop("PYTHONDONTWRITEBYTECODE", None):
    os.environ.setdefault("PYTHONPYCACHEPREFIX", str(CACHE / "pycache"))

# The lanes (tui/README.md, "Tests and benchmarks"). A test is in the `sandbox` lane when it asks, directly or through other
# fixtures, for one of these fixtures (each starts a sandbox process or a Pilot snapshot app)...
_SLOW_FIXTURES = frozenset(
    {
        "sandbox",
        "slow_sandbox",
        "platform_sandbox",
        "demo_template",
        "world",
        "deployment",
        "slow_deployment",
        "demo_sandbox",
        "snap_compare",
    }
)
# ...or when its module starts a process, a Textual app or npm by itself.
_SLOW_MODULE = re.compile(
    r"SandboxProcess|start_demo_copy|start_world|\bWorld\(|run_test\(|pilot_host|official_cli|real_clients"
    r"|\bsubprocess\b|snap_compare|run_measured|tiny_project"
)


# Under xdist the longest modules start first, so that the run does not end with one worker still inside a
# long module while the others idle; then the other sandbox modules; the pure tests last, filling the gaps.
# module_seconds.json: the seconds each module's tests took in a full `-n auto` run (6 workers) on the 2-core machine
# (the junit report's times summed by module; those over 12 s). Only the order depends on these figures: a stale
# one makes the run a little slower, never wrong.
_LONGEST_FIRST: dict[str, float] = json.loads((Path(__file__).parent / "module_seconds.json").read_text())
_OTHER_SANDBOX_MODULE = 10  # seconds: between the longest and the pure tests


@functools.cache
def _module_starts_processes(path: Path) -> bool:
    return bool(_SLOW_MODULE.search(path.read_text(encoding="utf-8")))


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects and before xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Mark the slow lane `sandbox`; and keep each module's `sandbox` and `slow` tests on one xdist worker
    (`--dist loadgroup`), so the worlds its module-scoped fixtures build are built once, not once a worker.
    No test needs a worker to itself: every server binds port 0, the npm cache is locked while it installs
    (official_cli.py), and a killed-and-restarted sandbox that lost its ports says so (the kill campaign)."""
    expected: dict[str, float] = {}
    for item in items:
        module = item.path.relative_to(config.rootpath).as_posix()
        if item.get_closest_marker("benchmark"):
            item.add_marker(pytest.mark.slow)  # a lane's `-m` replaces the default `-m 'not benchmark'`
        if _SLOW_FIXTURES.intersection(item.fixturenames) or _module_starts_processes(item.path):
            item.add_marker(pytest.mark.sandbox)
        if item.get_closest_marker("sandbox") or item.get_closest_marker("slow"):  # slow: big module-scoped data
            item.add_marker(pytest.mark.xdist_group(module))
            expected[module] = _LONGEST_FIRST.get(module, _OTHER_SANDBOX_MODULE)
    if os.environ.get("PYTEST_XDIST_WORKER"):  # the order xdist hands out groups in (`--no-loadscope-reorder`)
        items.sort(key=lambda item: -expected.get(item.path.relative_to(config.rootpath).as_posix(), 0))


def pytest_collection_finish(session):
    """What the imports and the collection made lives as long as the worker: frozen, the collector's full
    passes no longer walk it (a quarter of a Pilot test module's collection time, measured)."""
    gc.collect()
    gc.freeze()


@pytest.hookimpl(optionalhook=True)  # an xdist hook: without xdist, no `-n` at all
def pytest_xdist_auto_num_workers(config) -> int:
    """`-n auto`: three workers a core. Much of a sandbox test's time is spent waiting (on the sandbox process,
    the dashboard's one-second polls, a subprocess), not computing: with two workers a core the cores were
    about 70 % busy. Measured on this 2-core machine, full runs: 4 workers 310-316 s (445-451 CPU-s), 6 workers
    263-283 s (474-485 CPU-s). PYTEST_XDIST_AUTO_NUM_WORKERS overrides it, as in xdist."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return int(os.environ["PYTEST_XDIST_AUTO_NUM_WORKERS"])
    return 3 * len(os.sched_getaffinity(0))


@pytest.fixture
def sandbox(tmp_path):
    """A running sandbox (one deployment) on a free loopback port, stopped after the test."""
    process = SandboxProcess(tmp_path / "sandbox").start()
    yield process
    process.stop()


@pytest.fixture
def slow_sandbox(tmp_path):
    """A sandbox whose workers pause 0.3 s at every step, so each state can be observed."""
    process = SandboxProcess(tmp_path / "sandbox", throttle=0.3).start()
    yield process
    process.stop()


@pytest.fixture
def platform_sandbox(tmp_path):
    """A running sandbox with its emulated platform on a manual clock (`--clock manual`): use
    `.platform_url`, `.access_token`, `.platform_client()`, `.advance_clock(seconds)`."""
    process = SandboxProcess(tmp_path / "sandbox", extra_args=("--clock", "manual")).start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The demo world's data folder, seeded once per run (`run_shared`) and copied by the tests: seeding takes
    half a minute, a copy of its folder starts in a few seconds."""
    return built_once_per_run(tmp_path_factory, "demo-template", "sandbox", _seed_demo)


@pytest.fixture
def demo(demo_template, tmp_path):
    """A fresh copy of the demo world (seeded once per session, `demo_template`), stopped after the test."""
    process = start_demo_copy(demo_template, tmp_path / "sandbox")
    yield process
    process.stop()


def _seed_demo(folder: Path) -> Path:
    """Seed the demo world in `folder`; stopped only once the backup the seed requests as it opens has
    finished, so every copy starts from the same settled world."""
    process = SandboxProcess(folder, extra_args=DEMO).start(timeout=300)
    try:
        with process.platform_client() as platform:

            def settled() -> bool:
                for name in process.deployments:
                    deployment_id = platform.get(f"/v1/deployments/{name}").json()["id"]
                    backups = platform.get(f"/api/dashboard/deployments/{deployment_id}/list_cloud_backups").json()
                    if any(b["state"] in ("requested", "inProgress") for b in backups):
                        return False
                return True

            wait_for(settled, timeout=120, interval=0.2, message="the seeded demo world's backups to finish")
    finally:
        process.stop()
    return folder
