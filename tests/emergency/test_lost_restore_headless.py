"""The headless restore when the sandbox dies while it runs (issue 13): not just "Could not connect", but
which import was running, that it carries on on the server, and how to follow it. Drives the commands'
shared follow-up (`tui.commands.replace_data`) on a real sandbox that is killed mid-restore."""

from __future__ import annotations

import argparse
import asyncio

import pytest

from emergency_support import PROD, break_deployment, take_backup

from tui.commands import FAILED, Context, Failure
from tui.commands.replace_data import confirm_and_follow


async def test_a_restore_lost_with_the_sandbox_says_which_import_and_how_to_follow_it(demo, target, capsys):
    ref = await target.get_deployment(PROD)
    good = await take_backup(target, ref)
    await break_deployment(demo, PROD)
    plan = await target.prepare_restore(good.id, ref)
    demo.set_throttle(PROD, 0.5)  # slow enough to be killed in the middle
    context = Context(argparse.Namespace(json=False), target, await target.info(), None, False)
    following = asyncio.create_task(confirm_and_follow(context, plan, "Restore", "restore"))
    for _ in range(400):  # until the server has started it
        if (await target.restore_result(plan)).state == "in_progress" or following.done():
            break
        await asyncio.sleep(0.05)
    demo.kill()
    with pytest.raises(Failure) as failed:
        await asyncio.wait_for(following, 120)
    said = str(failed.value)
    assert failed.value.code == FAILED
    assert plan.import_id in said and "carries on on the server" in said
    assert f"convex-backups imports --deployment {PROD}" in said
