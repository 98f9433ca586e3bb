"""A checkbox that says whether it is on in a glyph and a word ("[✓] Include file storage: on"). Textual's
own Checkbox draws the same "X" either way and tells on from off by colour only, which a monochrome
terminal or NO_COLOR loses. Every checkbox in the app is this one."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox

ON, OFF = "[✓]", "[ ]"


class StateCheckbox(Checkbox):
    DEFAULT_CSS = """
    StateCheckbox > .toggle--button, StateCheckbox.-on > .toggle--button {
        background: transparent;
        color: $text;
        text-style: bold;
    }
    """

    @property
    def state_word(self) -> str:
        return "on" if self.value else "off"

    @property
    def _button(self) -> Content:
        return Content.styled(ON if self.value else OFF, self.get_visual_style("toggle--button"))

    def render(self) -> Content:
        label = self.label.pad(1, 0).stylize_before(self.get_visual_style("toggle--label"))
        return Content.assemble(self._button, label, f": {self.state_word}")

    def get_content_width(self, container, viewport) -> int:
        return len(ON) + 1 + self.label.cell_length + len(": off")
