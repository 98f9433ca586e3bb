"""The deployment's class (the record's `class`: shared `s16`, dedicated `d1024`) reaches the services'
reference and the detail pane, against the demo world's real sandbox."""

from __future__ import annotations

from pilot_support import choose, wait_until

from tui.app import ConvexBackupsApp


async def test_the_dedicated_deployment_says_so_in_the_detail_pane(open_demo):
    target = await open_demo()
    refs = await target.list_deployments()
    dedicated = [ref for ref in refs if ref.is_dedicated]
    assert [(ref.project, ref.type, ref.deployment_class) for ref in dedicated] == [("analytics", "prod", "d1024")]
    shared = next(ref for ref in refs if ref.project == "analytics" and ref.type == "dev")
    assert shared.deployment_class == "s16" and not shared.is_dedicated
    app = ConvexBackupsApp(target=target)
    async with app.run_test(size=(120, 40)) as pilot:
        await choose(pilot, app, dedicated[0].name)
        await wait_until(
            pilot,
            lambda: "dedicated (d1024)" in app.screen.query_one("#detail").render().plain,
            what="the class in the detail pane",
        )
        await choose(pilot, app, shared.name)
        await wait_until(
            pilot,
            lambda: "shared (s16)" in app.screen.query_one("#detail").render().plain,
            what="the shared class in the detail pane",
        )
