"""The instance credential the platform hands out (`instances/{name}/auth`, the CLI's deployment
credentials) stands for the caller's token without revealing it: no decoding of it gives the token back,
it is minted from a 0600 secret of the sandbox, it still opens the deployment, and a forged one does not."""

from __future__ import annotations

import base64
import binascii
import stat

import httpx
from platform_support import MEMBER_TOKENS, Api, expect_error

STARTER = "starter-prod-101"


def _decodings(value: str) -> list[bytes]:
    """Every reading of `value`'s parts as base64 (standard and URL-safe), hex, or plain text."""
    parts = [value, *value.split("_"), value.removeprefix("sbxi_")]
    found: list[bytes] = []
    for part in parts:
        found.append(part.encode())
        for decode in (base64.urlsafe_b64decode, base64.b64decode, bytes.fromhex):
            for padded in (part, part + "=" * (-len(part) % 4)):
                try:
                    found.append(decode(padded))
                except (binascii.Error, ValueError):
                    pass
    return found


def test_the_credential_does_not_reveal_the_token(world, api):
    operator = world.access_token
    member = MEMBER_TOKENS["sandbox"]
    member_api = Api(world, member)
    try:
        for token, client in ((operator, api), (member, member_api)):
            _, credential = client.instance(STARTER)
            assert credential.startswith("sbxi_")
            secret_part = token.removeprefix("sbx_team_").removeprefix("sbx_pat_").encode()
            leaks = sum(secret_part in decoded for decoded in _decodings(credential))
            assert leaks == 0  # (a count, so that a failure does not print the token)
    finally:
        member_api.close()
    key_file = world.data / "instance_credential_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_the_credential_opens_its_deployment_and_a_forged_one_does_not(world, api):
    url, credential = api.instance(STARTER)
    ok = httpx.get(url + "/api/v1/list_environment_variables", headers={"Authorization": f"Convex {credential}"})
    assert ok.status_code == 200
    assert api.instance(STARTER)[1] == credential  # the same token, the same credential (stable across calls)
    prefix, token_id, mac = credential.split("_", 2)
    forged = [
        f"{prefix}_{token_id}_{'A' * len(mac)}",  # the right row, a guessed MAC
        f"{prefix}_{int(token_id) + 1}_{mac}",  # another row with this MAC
        prefix
        + "_"
        + base64.urlsafe_b64encode(b'{"v": 1, "token": "%s"}' % world.access_token.encode())
        .decode()
        .rstrip("="),  # the old reversible form, even with the real token inside
    ]
    for wrong in forged:
        reply = httpx.get(url + "/api/v1/list_environment_variables", headers={"Authorization": f"Convex {wrong}"})
        expect_error(reply, 401, "BadAdminKey")
