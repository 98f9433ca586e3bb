"""Helpers for driving the app with the Pilot."""

from __future__ import annotations

from pilot_host import record_notifications  # noqa: F401 (with `notes`, the ui tests' way to read them)
from pilot_host import screen_settled, wait_until  # noqa: F401 (the ui tests import them from here)


async def open_cloud_target(process, homes, *, token: str | None = None, **spec):
    """The Cloud-kind target the app opens (tui/services/config/open_target.py) on `process`'s platform API,
    with the operator's token unless `token` is given; `spec`: more `TargetSpec` fields."""
    from tui.api.secrets import Secret
    from tui.services.config.open_target import open_target
    from tui.services.config.targets import TargetSpec

    secret = Secret(token or process.access_token)
    return await open_target(
        TargetSpec("cloud", source="tests", provision_host=process.platform_url, token=secret, **spec), homes
    )


async def wait_for_screen(pilot, app, screen_type, what: str = ""):
    """The pushed screen of `screen_type` once it is mounted (its widgets composed), ready to query."""
    screen = await wait_until(
        pilot,
        lambda: isinstance(app.screen, screen_type) and app.screen.is_mounted and app.screen,
        what=what or screen_type.__name__,
    )
    await pilot.pause()
    return screen


def notes(shown) -> list[str]:
    """The messages of the notifications `record_notifications(app)` caught."""
    return [n.message for n in shown]


async def choose(pilot, app, name: str):
    """Move the tree cursor to deployment `name` and wait for its backups."""
    from tui.widgets.deployment_tree import DeploymentTree

    screen = app.screen
    await wait_until(pilot, lambda: screen.deployments, what="deployments")
    tree = screen.query_one(DeploymentTree)
    await wait_until(pilot, lambda: name in tree.deployment_nodes and screen.current is not None, what="tree")
    tree.move_cursor(tree.deployment_nodes[name])
    await wait_until(
        pilot,
        lambda: (
            screen.current is not None
            and screen.current.name == name
            and screen.query_one("#backups-pane").border_title.startswith("Backups of")
            and screen.query_one(DeploymentTree) is not None
        ),
        what=f"{name} chosen",
    )
    await wait_until(
        pilot, lambda: not screen.query_one("#backups").empty_text.startswith("Loading"), what=f"backups of {name}"
    )
    await wait_until(pilot, lambda: screen.query_one("#detail").facts_loaded, what="plan facts")
    return screen
