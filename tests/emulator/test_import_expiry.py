"""How old imports end, as in Convex's backend (`crates/application/src/snapshot_import`): an import older
than `MAX_IMPORT_AGE` (7 days) fails with "Import took too long" when the worker next parses or runs it, and
nothing else times an import out, so an unconfirmed one waits until it is confirmed or cancelled (which is
why the app cancels what it staged and offers `cancel-import`). On the sandbox's manual clock."""

from __future__ import annotations

from import_support import USERS, confirm, documents, dump, get_import, make_zip, seed, upload, wait_state

WEEK_S = 7 * 24 * 3600
TOO_OLD = "Hit an error while importing:\nImport took too long. Try again or contact Convex."


def test_an_unconfirmed_import_waits_then_fails_when_confirmed_a_week_later(platform_sandbox):
    with platform_sandbox.client() as client:
        seed(client, {"users": documents(USERS, 3)})
        before = dump(client)
        waiting = upload(client, make_zip({"users": documents(USERS, 5)}), mode="replaceAll")
        wait_state(client, waiting, "waiting_for_confirmation")

        platform_sandbox.advance_clock(WEEK_S - 60)
        confirmable = upload(client, make_zip({"users": documents(USERS, 2)}), mode="replaceAll")
        platform_sandbox.advance_clock(120)  # the first is now older than a week, the second two minutes old
        assert get_import(client, waiting)["state"]["state"] == "waiting_for_confirmation"  # no timer

        confirm(client, waiting)
        done = wait_state(client, waiting, "completed", "failed")
        assert done["state"] == {"state": "failed", "error_message": TOO_OLD}
        assert dump(client) == before

        wait_state(client, confirmable, "waiting_for_confirmation")
        confirm(client, confirmable)
        assert wait_state(client, confirmable, "completed", "failed")["state"]["state"] == "completed"
