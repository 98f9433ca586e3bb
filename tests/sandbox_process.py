"""Start `convex-backups sandbox serve` as a real process on a free loopback port, for tests."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

DEMO = ("--seed", "demo")
_SERVING = re.compile(r"Deployment (\S+) is serving at (http://127\.0\.0\.1:\d+)")
_PLATFORM = re.compile(r"Platform API is serving at (http://127\.0\.0\.1:\d+)")


class SandboxProcess:
    """One sandbox server process over a data folder; can be stopped, killed and started again."""

    def __init__(self, data: Path, *, throttle: float = 0.0, extra_args: tuple[str, ...] = ()):
        self.data = Path(data)
        self.throttle = throttle
        self.extra_args = extra_args
        self.proc: subprocess.Popen | None = None
        self.deployments: dict[str, str] = {}  # name -> url
        self.platform_url: str | None = None
        self.output: list[str] = []
        self._credentials: dict[str, dict[str, str]] = {}  # name -> what `sandbox credentials NAME` printed

    # -- life cycle ---------------------------------------------------------------------------
    def start(self, timeout: float = 120, *, same_ports: bool = False) -> SandboxProcess:
        """Start serving; with `same_ports`, on the ports of the last start (each deployment's remembered
        port and the platform's), so a client that was talking to a killed sandbox reaches the new one."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._credentials.clear()  # read again once the folder is served again
        cmd = [sys.executable, "-m", "tui", "sandbox", "serve", "--data", str(self.data)]
        if same_ports and self.platform_url:
            cmd += ["--platform-port", self.platform_url.rsplit(":", 1)[1]]
        else:
            cmd += ["--port", "0"]
        if self.throttle:
            cmd += ["--throttle", str(self.throttle)]
        self.proc = subprocess.Popen(
            [*cmd, *self.extra_args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
        self.deployments = {}
        self.platform_url = None
        ready = threading.Event()
        threading.Thread(target=self._pump, args=(self.proc, ready), daemon=True).start()
        if not ready.wait(timeout):
            self.kill()
            raise RuntimeError("the sandbox did not start:\n" + "".join(self.output))
        return self

    def _pump(self, proc: subprocess.Popen, ready: threading.Event) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.output.append(line)
            match = _SERVING.search(line)
            if match:
                self.deployments[match.group(1)] = match.group(2)
            match = _PLATFORM.search(line)
            if match:
                self.platform_url = match.group(1)
            if line.startswith("Data folder:"):
                ready.set()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        """SIGKILL: no cleanup at all, as when a machine loses power or the OOM killer strikes."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def restart(self) -> SandboxProcess:
        self.stop()
        return self.start()

    # -- facts ---------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return next(iter(self.deployments))

    @property
    def url(self) -> str:
        return self.deployments[self.name]

    def credentials(self, name: str | None = None) -> dict[str, str]:
        """What `sandbox credentials [NAME]` prints, as a dict; a deployment's are asked for once per start (each
        asking is a Python process: a few tenths of a CPU second, and the tests ask hundreds of times)."""
        if name is not None and name in self._credentials:
            return dict(self._credentials[name])
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "tui",
                "sandbox",
                "credentials",
                *([name] if name else []),
                "--data",
                str(self.data),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        found = dict(line.split("=", 1) for line in out.strip().splitlines())
        if name is not None:
            self._credentials[name] = found
        return dict(found)

    @property
    def admin_key(self) -> str:
        return self.credentials(self.name)["CONVEX_SELF_HOSTED_ADMIN_KEY"]

    # -- the platform API ---------------------------------------------------------------------------
    @property
    def access_token(self) -> str:
        """The operator's personal access token (`<data>/access_token`)."""
        return (self.data / "access_token").read_text().strip()

    def team_token(self, slug: str) -> str:
        return (self.data / "team_tokens" / slug).read_text().strip()

    def platform_credentials(self, team: str | None = None) -> dict[str, str]:
        args = ["--platform", *(["--team", team] if team else [])]
        out = subprocess.run(
            [sys.executable, "-m", "tui", "sandbox", "credentials", *args, "--data", str(self.data)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return dict(line.split("=", 1) for line in out.strip().splitlines())

    def platform_client(self, token: str | None = None, **kwargs) -> httpx.Client:
        """An httpx client on the platform API with `Bearer <token>` (default: the operator's token)."""
        headers = {"Authorization": f"Bearer {token or self.access_token}", "Convex-Client": "tests-0.1.0"}
        return httpx.Client(base_url=self.platform_url, headers=headers, timeout=60, **kwargs)

    def platform_json(self, method: str, path: str, body=None):
        """One platform API request with the operator's token, which must succeed: its JSON (None when empty)."""
        with self.platform_client() as platform:
            reply = platform.request(method, path, json=body)
        assert reply.status_code == 200, reply.text
        return reply.json() if reply.content else None

    def advance_clock(self, seconds: float) -> int:
        """Move the manual clock (`--clock manual`) forward; returns the new time in ms."""
        with self.platform_client() as client:
            reply = client.post("/api/_emulator/clock", json={"advanceSecs": seconds})
            assert reply.status_code == 200, reply.text
            return reply.json()["nowMs"]

    def refuse(self, **switch) -> dict:
        """A platform test switch (tui/emulator/platform/refusals.py): `refuse(route="instanceAuth")`,
        `refuse(team="acme", code="SSORequired", status=403)`, `refuse(..., refuse=False)`, `refuse(clear=True)`."""
        with self.platform_client() as client:
            reply = client.post("/api/_emulator/refusals", json=switch)
            assert reply.status_code == 200, reply.text
            return reply.json()

    def now_ms(self) -> int:
        with self.platform_client() as client:
            return client.get("/api/_emulator/clock").json()["nowMs"]

    def set_throttle(self, name: str, seconds: float) -> None:
        """Slow one deployment's export and import workers: `seconds` at every step (its own admin key)."""
        with self.client(self.credentials(name)["CONVEX_SELF_HOSTED_ADMIN_KEY"]) as client:
            reply = client.post(self.deployments[name] + "/api/_emulator/throttle", json={"stepDelay": seconds})
            assert reply.status_code == 200, reply.text

    @contextlib.contextmanager
    def throttled(self, name: str, seconds: float) -> Iterator[None]:
        """set_throttle for the `with` block, then back to the process's own throttle."""
        self.set_throttle(name, seconds)
        try:
            yield
        finally:
            self.set_throttle(name, self.throttle)

    def client(self, key: str | None = None, **kwargs) -> httpx.Client:
        """An httpx client on the deployment, authenticated with the admin key (or `key`)."""
        headers = {"Authorization": f"Convex {key or self.admin_key}", "Convex-Client": "tests-0.1.0"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, **kwargs)


def start_demo_copy(template: Path, folder: Path, *, throttle: float = 0.0, timeout: float = 120) -> SandboxProcess:
    """A sandbox serving a fresh copy of the seeded demo world (tests/conftest.py's `demo_template`) from
    `folder`; started with `--seed demo` like the original, which leaves a seeded world as it is."""
    copy_demo_world(template, folder)
    return SandboxProcess(folder, throttle=throttle, extra_args=DEMO).start(timeout=timeout)


def copy_demo_world(template: Path, folder: Path) -> Path:
    """`folder`: a copy of the seeded demo world's data folder, without the running sandbox's lock files."""
    shutil.copytree(template, folder, ignore=shutil.ignore_patterns("sandbox.lock", "sandbox.running*"))
    return folder


def wait_for(predicate, timeout: float = 30, interval: float = 0.05, message: str = "condition"):
    """Poll until predicate() returns something truthy; return it."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(interval)
