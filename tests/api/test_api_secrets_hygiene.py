"""No admin key, token or env var value in any log record, repr or error text, across the whole client:
real calls (successful and failing, HTTP and WebSocket) with every logger at DEBUG."""

from __future__ import annotations

import logging

import pytest
from fault_server import FaultServer, Reply, SleepRecorder, error_reply

from tui.api.deployment.client import DeploymentClient
from tui.api.errors import ConvexApiError, CredentialsError
from tui.api.transport.http import RetryPolicy
from tui.api.platform.client import PlatformClient
from tui.api.deployment.sync_client import SyncClient

ENV_VALUE = "env-value-that-must-stay-private-5150"


def secret_parts(key: str) -> list[str]:
    return [key, key.split("|", 1)[-1]]


async def test_deployment_and_sync_clients_never_reveal_the_key(deployment, caplog):
    caplog.set_level(logging.DEBUG)
    key = deployment.key
    seen: list[str] = []
    async with DeploymentClient(deployment.url, key, name=deployment.name) as api:
        seen.append(repr(api))
        await api.update_env({"PRIVATE": ENV_VALUE})
        env = await api.list_env()
        seen.append(repr(env))
        await api.latest_export()
        for call in (
            lambda: api.update_env({"1bad": ENV_VALUE}),
            lambda: api.query("_system/none:x"),
            lambda: api.cancel_import("not-an-id"),
            lambda: api.set_export_expiration("nope", 1),
        ):
            with pytest.raises(ConvexApiError) as caught:
                await call()
            seen += [str(caught.value), repr(caught.value), caught.value.detail or ""]
        sync = SyncClient(deployment.url, key)
        seen.append(repr(sync))
        async with sync.watch_latest_export() as values:
            seen.append(repr(values))
            await values.next(10)
    wrong = f"{deployment.name}|{'5' * 64}"
    async with DeploymentClient(deployment.url, wrong) as api:
        with pytest.raises(ConvexApiError) as caught:
            await api.list_env()
        seen += [str(caught.value), repr(caught.value)]
    logged = [record.getMessage() for record in caught_records(caplog)]
    assert logged, "the client should have logged something at DEBUG"
    text = "\n".join(seen + logged)
    for secret in (*secret_parts(key), *secret_parts(wrong), ENV_VALUE):
        assert secret not in text


async def test_tokens_never_reach_logs_or_errors_on_retries(caplog):
    caplog.set_level(logging.DEBUG)
    token = "pat-do-not-log-me-0123456789"
    instance_key = "instance-credential-do-not-log-42"

    def handler(request):
        if request.route.endswith("/auth"):
            return Reply(200, {"kind": "Cloud", "adminKey": instance_key, "instanceUrl": "http://x"})
        if request.route == "/api/dashboard/teams":
            return Reply(503)
        return error_reply(
            401, "AccessTokenInvalid", f"token {token} and {instance_key} are invalid; Authorization: Bearer {token}"
        )

    async with FaultServer(handler) as server:
        async with PlatformClient(server.url, token, sleep=SleepRecorder(), retry=RetryPolicy(attempts=3)) as platform:
            auth = await platform.instance_auth("x-y-1")
            errors = []
            for call in (platform.teams, platform.token_details):
                with pytest.raises(ConvexApiError) as caught:
                    await call()
                errors += [str(caught.value), repr(caught.value), caught.value.detail or ""]
            text = "\n".join([repr(platform), repr(auth), *errors, *(r.getMessage() for r in caught_records(caplog))])
    assert "retrying" in text  # the 503s were logged...
    assert token not in text and instance_key not in text  # ...without any credential


def caught_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith(("tui.api", "httpx", "httpcore", "websockets"))]


@pytest.mark.parametrize(
    "make",
    [
        lambda url, key: DeploymentClient(url, key),
        lambda url, key: PlatformClient(url, key),
    ],
)
@pytest.mark.parametrize("spoil", ["\n{tail}", "\r\n{tail}", "\u00e9{tail}", "\x00{tail}", " "])
async def test_a_credential_a_header_cannot_carry_is_refused_by_every_client_without_quoting_it(make, spoil):
    """Whatever the key came from (a profile, a form), the client refuses it before any request, and the
    refusal quotes none of it: after a line break there is often the next line of a pasted .env file."""
    tail = "NEXT_SECRET=the-next-line-of-the-env-file"
    key = "prod:some-deployment-123|" + "k" * 40 + spoil.format(tail=tail)
    with pytest.raises(CredentialsError) as caught:
        make("http://127.0.0.1:9", key)
    text = "\n".join([str(caught.value), repr(caught.value), caught.value.detail or ""])
    assert "nothing was sent" in text
    assert tail not in text and "k" * 40 not in text


@pytest.mark.parametrize(
    "url",
    [
        "http://ops:pa55-word-in-url@127.0.0.1:9",
        "https://ops@convex.example.com",
        "http://:pa55-word-in-url@127.0.0.1:9/",
    ],
)
def test_a_url_with_a_user_or_password_is_refused_without_showing_them(url):
    with pytest.raises(CredentialsError) as caught:
        DeploymentClient(url, "prod:x|" + "k" * 40)
    text = "\n".join([str(caught.value), repr(caught.value)])
    assert "pa55-word-in-url" not in text and "ops" not in text
    assert "user name or password" in text
