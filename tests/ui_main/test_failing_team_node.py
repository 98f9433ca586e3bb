"""A team that refuses to be listed (here: SSO required) shows its error on its own node of the deployment
tree; the other team's deployments load and can be chosen."""

from __future__ import annotations

from pilot_support import wait_until

from tui.app import ConvexBackupsApp
from tui.widgets.deployment_tree import DeploymentTree


def _labels(tree: DeploymentTree) -> list[str]:
    out, stack = [], list(tree.root.children)
    while stack:
        node = stack.pop(0)
        out.append(node.label.plain)
        stack[:0] = list(node.children)
    return out


async def test_the_refusing_team_has_its_error_on_its_node(open_demo, demo_sandbox):
    demo_sandbox.refuse(team="acme-corp", status=403, code="SSORequired", message="SSO please.")
    try:
        target = await open_demo()
        app = ConvexBackupsApp(target=target)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            tree = screen.query_one(DeploymentTree)
            await wait_until(pilot, lambda: screen.deployments and tree.deployment_nodes, what="deployments")
            labels = _labels(tree)
            assert "acme-corp  (could not be listed)" in labels
            assert any(label.startswith("SSO please. To sign in with single sign-on") for label in labels)
            assert all(ref.team == "indie-studio" for ref in screen.deployments)
            notice = screen.query_one("#notice").render().plain
            assert notice.startswith("Team acme-corp could not be listed: SSO please.")
            await wait_until(pilot, lambda: screen.current is not None, what="a deployment chosen")
            assert screen.current.team == "indie-studio"
    finally:
        demo_sandbox.refuse(clear=True)
