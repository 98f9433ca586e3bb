"""`KeyBar`: the footer line of every full screen (main, restore, emergency, inspect, compare, env vars,
documents), the keys that work there (what Textual's `Footer` shows, in its colours), drawn as one text by
one widget. Every screen uses this bar and none uses `Footer`, so keys look and click the same everywhere.

Why not `Footer`: it builds a widget per key and rebuilds and restyles all of them whenever the screen's
bindings are published again (a focus change, a new backup selected); at start-up that was the largest
single cost of drawing the main screen, and it ran on every keypress in the backups table. This bar
computes its line and repaints only when the line changed, which is what an 80x24 terminal over SSH
needs. A click on a key presses it."""

from __future__ import annotations

from typing import NamedTuple

from rich.text import Text
from textual import events
from textual.widget import Widget


class _Key(NamedTuple):
    key: str  # what a click presses
    display: str
    description: str
    enabled: bool


class KeyBar(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description", "key-bar--separator"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        text-wrap: nowrap;
        text-overflow: clip;
        & > .key-bar--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
        & > .key-bar--description { color: $footer-description-foreground; background: $footer-description-background; }
        & > .key-bar--separator { color: $foreground 20%; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._keys: tuple[list[_Key], _Key | None] = ([], None)
        self._spans: list[tuple[int, int, _Key]] = []  # cells [start, end) of each key on the line

    @property
    def drawn_keys(self) -> list[tuple[int, int, _Key]]:
        """Each key on the line as last drawn: its cells [start, end) and the key."""
        return list(self._spans)

    def on_mount(self) -> None:
        # The screen publishes its bindings once its widgets are in (as `Footer`, wait for that).
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen) -> None:
        keys = self._collect()
        if keys != self._keys:
            self._keys = keys
            self.refresh()

    def _collect(self) -> tuple[list[_Key], _Key | None]:
        """(the keys shown, left to right, one per action; the command palette's key, shown on the right)."""
        app, seen, keys = self.app, set(), []
        active = self.screen.active_bindings
        for _node, binding, enabled, _tooltip in active.values():
            if binding.show and binding.action not in seen:
                seen.add(binding.action)
                keys.append(_Key(binding.key, app.get_key_display(binding), binding.description, enabled))
        palette = None
        if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, _tooltip = active[app.COMMAND_PALETTE_BINDING]
            palette = _Key(binding.key, app.get_key_display(binding), binding.description, enabled)
        return keys, palette

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        keys, palette = self._keys
        line, spans = Text(no_wrap=True, overflow="crop", end=""), []

        def add(key: _Key) -> None:
            start = line.cell_len
            line.append(f" {key.display} ", key_style)
            if key.description:
                line.append(f"{key.description} ", description_style)
            if not key.enabled:
                line.stylize("dim", start)
            spans.append((start, line.cell_len, key))

        for key in keys:
            add(key)
        if palette is not None:
            tail = Text(no_wrap=True, end="")
            tail.append("▏", self.get_component_rich_style("key-bar--separator"))
            tail.append(palette.display, key_style)
            tail.append(f"{palette.description} ", description_style)
            tail.append(" ")
            gap = self.size.width - line.cell_len - tail.cell_len
            if gap >= 0:  # the palette's key only where it fits, as Footer docks it right
                line.append(" " * gap)
                start = line.cell_len
                line.append_text(tail)
                spans.append((start, line.cell_len, palette))
        self._spans = spans
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                if key.enabled:
                    self.app.simulate_key(key.key.split(",")[0])
                else:
                    self.app.bell()
                return
