"""Bad input and failures as an operator meets them in real `convex-backups` processes: each gives its exit
code and a one-line reason, never a traceback, and never a secret (a key's tail after a line break, a
URL's password), in the output or in a path on disk. One sandbox serves both the self-hosted guise (URL
and admin key) and the Cloud one (its platform API and access token)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from headless_support import clean_environ, run_cli
from sandbox_process import SandboxProcess

sys.path.insert(0, str(Path(__file__).parent.parent / "api"))  # fault_server, spoiling_proxy

from fault_server import FaultServer  # noqa: E402
from spoiling_proxy import SpoilingProxy  # noqa: E402

from tui.api.deployment.client import DeploymentClient  # noqa: E402

TAIL = "NEXT_SECRET=after-the-line-break-31337"
PASSWORD = "hunter2-in-the-url"
USAGE, AUTH = 2, 4


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    process = SandboxProcess(tmp_path_factory.mktemp("messages") / "sandbox").start()
    process.key = process.admin_key
    yield process
    process.stop()


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


def self_hosted(sandbox, home: Path, *, url: str | None = None, key: str | None = None) -> dict[str, str]:
    return clean_environ(
        CONVEX_BACKUPS_HOME=str(home),
        HOME=str(home),
        CONVEX_SELF_HOSTED_URL=url or sandbox.url,
        CONVEX_SELF_HOSTED_ADMIN_KEY=sandbox.key if key is None else key,
    )


def cloud(sandbox, home: Path) -> dict[str, str]:
    return clean_environ(
        CONVEX_BACKUPS_HOME=str(home),
        HOME=str(home),
        CONVEX_PROVISION_HOST=sandbox.platform_url,
        CONVEX_OVERRIDE_ACCESS_TOKEN=sandbox.access_token,
    )


def assert_plain_failure(result, code: int) -> str:
    """The exit code, and stderr without a traceback; returns everything the process printed."""
    printed = result.stdout + result.stderr
    assert result.returncode == code, printed
    assert "Traceback" not in printed and "never retrieved" not in printed and "Error:" not in result.stderr
    return printed


def test_a_backup_id_that_cannot_be_one_is_a_usage_error(sandbox, home):
    name = sandbox.name
    for environ in (cloud(sandbox, home), self_hosted(sandbox, home)):
        restore = run_cli(home, environ, "restore", "abc", "--deployment", name, "--confirm", name, "--yes")
        assert "'abc' is not a backup id" in assert_plain_failure(restore, USAGE)
        download = run_cli(home, environ, "download", "abc", "--deployment", name)
        assert "'abc' is not a backup id" in assert_plain_failure(download, USAGE)
    # A self-hosted backup's id given to Convex Cloud: a usage error too, not a ValueError.
    other = run_cli(home, cloud(sandbox, home), "download", "20261207T110606Z-abb1", "--deployment", name)
    printed = assert_plain_failure(other, USAGE)
    assert "not a Convex Cloud backup id" in printed and "ValueError" not in printed


async def test_an_admin_key_a_header_cannot_carry_is_refused_before_any_request(sandbox, home):
    requests = []
    async with FaultServer(lambda request: requests.append(request) or SpoilingProxy(sandbox.url)(request)) as server:
        for key, why in (
            (f"{sandbox.key}\n{TAIL}", "line break"),
            (sandbox.key[:-1] + "é", "not ASCII"),
            (f"{sandbox.key}\r", "line break"),
        ):
            for command in (("list",), ("backup", "--wait"), ("list", "--json")):
                result = await _run(home, self_hosted(sandbox, home, url=server.url, key=key), *command)
                printed = assert_plain_failure(result, USAGE)
                assert "CONVEX_SELF_HOSTED_ADMIN_KEY" in printed and why in printed and "nothing was sent" in printed
                assert TAIL not in printed and TAIL.split("=")[1] not in printed
                assert sandbox.key.split("|")[1] not in printed
    assert requests == []


def test_a_wrong_admin_key_on_list_is_an_auth_error(sandbox, home):
    wrong = sandbox.key[:-4] + ("0000" if not sandbox.key.endswith("0000") else "1111")
    for command in (("list",), ("list", "--json")):
        result = run_cli(home, self_hosted(sandbox, home, key=wrong), *command)
        printed = assert_plain_failure(result, AUTH)
        assert "rejected" in result.stderr and "(no backups)" not in printed
        assert wrong.split("|")[1] not in printed


def test_a_url_with_a_user_and_password_is_refused_and_never_shown_or_stored(sandbox, home):
    url = sandbox.url.replace("http://", f"http://operator:{PASSWORD}@")
    environ = self_hosted(sandbox, home, url=url)
    for command in (
        ("list",),
        ("list", "--json"),
        ("backup", "--wait"),
        ("backup", "--wait", "--json"),
        ("download", "latest"),
    ):
        result = run_cli(home, environ, *command)
        printed = assert_plain_failure(result, USAGE)
        assert PASSWORD not in printed and "operator:" not in printed
        assert f"set it to {sandbox.url}" in printed  # the advice names the URL without its user and password
    written = [str(path) for path in home.rglob("*")]
    assert not [path for path in written if PASSWORD in path or "operator" in path]
    assert not [path for path in home.rglob("*") if path.is_file() and PASSWORD.encode() in path.read_bytes()]


def test_a_backup_refused_by_a_wrong_admin_key_says_so_without_a_traceback(sandbox, home):
    wrong = sandbox.key[:-4] + ("0000" if not sandbox.key.endswith("0000") else "1111")
    result = run_cli(home, self_hosted(sandbox, home, key=wrong), "backup", "--wait")
    printed = assert_plain_failure(result, AUTH)
    assert "rejected" in printed and "requested" not in result.stdout


def test_a_backup_during_another_export_says_why_without_a_traceback(sandbox, home):
    with sandbox.throttled(sandbox.name, 60):  # the export waits at its first step until the throttle changes
        asyncio.run(_export(sandbox, "request"))  # someone else's export, still running
        try:
            result = run_cli(home, self_hosted(sandbox, home), "backup", "--wait")
        finally:
            asyncio.run(_export(sandbox, "cancel"))
    printed = assert_plain_failure(result, 1)
    assert "already taking a backup" in printed and "one at a time" in printed and "requested" not in result.stdout


async def test_a_damaged_download_fails_the_backup_with_its_reason(sandbox, home):
    async with FaultServer(SpoilingProxy(sandbox.url, "corrupt")) as server:
        result = await _run(home, self_hosted(sandbox, home, url=server.url), "backup", "--wait")
        as_json = await _run(home, self_hosted(sandbox, home, url=server.url), "backup", "--wait", "--json")
        unwaited = await _run(home, self_hosted(sandbox, home, url=server.url), "backup")
    printed = assert_plain_failure(result, 1)
    assert "is failed" in result.stdout and "damaged" in result.stderr and "not kept" in result.stderr
    assert_plain_failure(as_json, 1)
    record = json.loads(as_json.stdout)
    assert record["state"] == "failed" and any("damaged" in note for note in record["notes"])
    assert "kept" not in printed.replace("not kept", "")  # nothing claims a partial file stayed
    # Without --wait the process still ends with the download (it makes it), and says how that went.
    assert "damaged" in assert_plain_failure(unwaited, 1)
    store = home / "data" / "backups"
    assert [p for p in store.rglob("*") if p.is_dir() and p.parent.parent == store] == []  # no folder left


# -- helpers ---------------------------------------------------------------------------------------------
class _Result:
    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


async def _run(home: Path, environ: dict[str, str], *args: str) -> _Result:
    """`run_cli` without blocking the event loop that serves the fault server."""
    home.mkdir(parents=True, exist_ok=True)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tui",
        *args,
        cwd=home,
        env=environ,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
    return _Result(process.returncode, stdout.decode(), stderr.decode())


async def _export(sandbox, action: str) -> None:
    async with DeploymentClient(sandbox.url, sandbox.key) as client:
        if action == "request":
            await client.request_export()
            return
        export = await client.latest_export()
        if export is not None and not export.is_terminal:
            await client.cancel_export(export.id)


def test_the_tui_refuses_a_bad_configuration_in_one_line(sandbox, home):
    """Before the app opens: a URL with a password, a key with a line break, a profile that does not exist."""
    url = sandbox.url.replace("http://", f"http://operator:{PASSWORD}@")
    for environ, args in (
        (self_hosted(sandbox, home, url=url), ()),
        (self_hosted(sandbox, home, key=f"{sandbox.key}\n{TAIL}"), ()),
        (cloud(sandbox, home), ("--profile", "nobody")),
    ):
        result = run_cli(home, environ, *args, stdin=subprocess.DEVNULL)
        printed = assert_plain_failure(result, USAGE)
        assert len(result.stderr.strip().splitlines()) == 1
        assert PASSWORD not in printed and TAIL not in printed
