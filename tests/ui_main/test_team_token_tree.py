"""With a team token the tree says what the token can and cannot do on its first line, lists the team's
deployments through `/v1`, and as the dashboard's backup routes refuse the token (Convex documents team tokens
for `/v1` only, and the sandbox refuses them elsewhere) the backups table says so instead of waiting forever."""

from __future__ import annotations

from pilot_support import open_cloud_target, wait_until

from tui.app import ConvexBackupsApp
from tui.widgets.deployment_tree import DeploymentTree


async def test_a_team_token_is_described_and_its_refusals_are_shown(demo_sandbox, homes):
    token = demo_sandbox.team_token("acme-corp")
    target = await open_cloud_target(demo_sandbox, homes, token=token, token_kind="unknown")
    try:
        app = ConvexBackupsApp(target=target)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            tree = screen.query_one(DeploymentTree)
            await wait_until(pilot, lambda: screen.deployments and tree.deployment_nodes, what="deployments")
            assert tree.root.children[0].label.plain.startswith("team token: lists this team's projects")
            assert {ref.team for ref in screen.deployments} == {"acme-corp"}
            table = screen.query_one("#backups")
            await wait_until(
                pilot,
                lambda: table.empty_text.startswith("The backups could not be listed"),
                what="the refusal in the backups table",
            )
            assert token not in table.empty_text
    finally:
        await target.aclose()
