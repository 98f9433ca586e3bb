"""The deployments pane: team → project → deployment, each deployment with its type in words (PROD, dev,
preview) and region. Production is marked by the word PROD and bold style, never by colour alone, and so is
the cursor's line: it starts with CURSOR_MARK."""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Mapping
from types import MappingProxyType

from rich.style import Style
from rich.text import Text
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from tui.services.records import ListingNote
from tui.services.protocol import DeploymentRef
from tui.widgets.formatting import deployment_words

CURSOR_MARK = "▶ "


def deployment_label(ref: DeploymentRef, *, region: bool = True, paused: bool = False) -> Text:
    words = deployment_words(ref)
    label = Text()
    if ref.is_prod:
        label.append("PROD ", style="bold reverse")
        label.append(ref.name, style="bold")
    else:
        label.append(f"{words:<4} ", style="dim")
        label.append(ref.name)
    if paused and region:  # in words, never colour alone; a narrow pane has no room (the line above says it)
        label.append(" ")
        label.append("PAUSED", style="bold reverse")
    if region and ref.region:
        label.append(f" {ref.region.removeprefix('aws-')}", style="dim")
    if ref.read_only:
        label.append("  read-only", style="italic")
    return label


def team_label(slug: str, note: ListingNote | None) -> Text:
    label = Text(slug, style="bold")
    if note is not None:
        label.append("  (could not be listed)" if note.error else f"  ({note.message})", style="italic")
    return label


class DeploymentTree(Tree[DeploymentRef | None]):
    """Posts `DeploymentChosen` when the cursor rests on a deployment."""

    class DeploymentChosen(Message):
        def __init__(self, deployment: DeploymentRef) -> None:
            super().__init__()
            self.deployment = deployment

    def __init__(self, **kwargs) -> None:
        super().__init__("Deployments", **kwargs)
        self.show_root = False
        self.guide_depth = 2
        self._by_name: dict[str, TreeNode] = {}
        self.show_regions = True  # off in a narrow pane: the name matters more (the details show the region)
        self.paused: set[str] = set()  # deployments found PAUSED (the main screen asks the server)

    @property
    def deployment_nodes(self) -> Mapping[str, TreeNode]:
        """Each listed deployment's node by name, read-only (what `move_cursor` takes)."""
        return MappingProxyType(self._by_name)

    def render_label(self, node: TreeNode, base_style: Style, style: Style) -> Text:
        label = super().render_label(node, base_style, style)
        if node is self.cursor_node:
            return Text.assemble((CURSOR_MARK, base_style + Style(bold=True)), label)
        return label

    def set_loading_text(self, text: str) -> None:
        self.clear()
        self.root.add_leaf(Text(text, style="italic"))

    def show_deployments(
        self, deployments: list[DeploymentRef], keep: str | None = None, notes: Sequence[ListingNote] = ()
    ) -> None:
        """Rebuild the tree; the cursor returns to deployment `keep` when it is still there. `notes`: what the
        token can do (first), and a team's error on that team's own node."""
        self.clear()
        self._by_name.clear()
        team_notes = {n.team: n for n in notes if n.team is not None}
        for note in notes:
            if note.team is None:
                self.root.add_leaf(Text(note.message, style="italic"))
        if not deployments and not team_notes:
            self.root.add_leaf(Text("No deployments these credentials can reach.", style="italic"))
            return
        teams: dict[str, TreeNode] = {}
        projects: dict[tuple[str, str], TreeNode] = {}
        for ref in deployments:
            team = teams.get(ref.team)
            if team is None:
                label = team_label(ref.team or "(no team)", team_notes.get(ref.team))
                team = teams[ref.team] = self.root.add(label, expand=True)
            project = projects.get((ref.team, ref.project))
            if project is None:
                project = projects[(ref.team, ref.project)] = team.add(ref.project or "(no project)", expand=True)
            self._by_name[ref.name] = project.add_leaf(
                deployment_label(ref, region=self.show_regions, paused=ref.name in self.paused), data=ref
            )
        for note in team_notes.values():
            if note.error and note.team not in teams:  # a team with nothing listed: its node carries the error
                node = self.root.add(team_label(note.team or "(no team)", note), expand=True)
                node.add_leaf(Text(note.message.removeprefix("could not be listed: "), style="italic"))
        first = self._by_name.get(keep or "") or next(iter(self._by_name.values()), None)
        if first is not None:
            self.call_after_refresh(self.move_cursor, first)

    def set_regions(self, show: bool) -> None:
        if show != self.show_regions:
            self.show_regions = show
            self._relabel()

    def set_paused(self, names: set[str]) -> None:
        if names != self.paused:
            self.paused = set(names)
            self._relabel()

    def _relabel(self) -> None:
        for name, node in self._by_name.items():
            if node.data is not None:  # every node here is a deployment's leaf
                node.set_label(deployment_label(node.data, region=self.show_regions, paused=name in self.paused))

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        event.stop()
        if isinstance(event.node.data, DeploymentRef):
            self.post_message(self.DeploymentChosen(event.node.data))

    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        if isinstance(event.node.data, DeploymentRef):
            event.stop()
            self.post_message(self.DeploymentChosen(event.node.data))
            self.screen.focus_next()
