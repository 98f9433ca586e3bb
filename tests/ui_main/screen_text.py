"""What an operator sees: the top screen's characters as it is drawn (colour and style dropped, which is
what a monochrome terminal or NO_COLOR keeps), whole or inside one widget's region."""

from __future__ import annotations


def screen_lines(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def widget_lines(app, widget) -> list[str]:
    """The lines inside `widget`'s region on screen (its border and padding included), clipped to it."""
    region = widget.region
    lines = screen_lines(app)[region.y : region.bottom]
    return [line[region.x : region.right] for line in lines]


def widget_text(app, widget) -> str:
    return "\n".join(widget_lines(app, widget))
