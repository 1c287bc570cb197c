"""ActivationPlot: an activation curve computed by torch, with an input read through it."""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, UP, Axes, DashedLine, Dot, VGroup, VMobject

from core.arithmetic import ActivationCurve
from scenes.components.text import label, mono
from scenes.theme import Theme

__all__ = ["ActivationPlot", "activation_symbol"]

# How each activation is written in formulas on screen.
_SYMBOLS = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu"}


def activation_symbol(name: str) -> str:
    """The symbol of an activation in on-screen formulas (``σ`` for the sigmoid)."""
    return _SYMBOLS.get(name, name)


class ActivationPlot(VGroup):
    """Axes, the curve through the trace's points, and tick labels drawn as plain Text.

    No LaTeX: Manim's numbered axes would typeset their numbers, so ticks are labelled here
    from the curve's own ``x_ticks`` and ``y_ticks``.

    Parts: ``axes``, ``graph``, ``tick_labels``, ``x_name``, ``y_name``; :meth:`read` makes
    the marker that reads one input through the curve.

    Examples
    --------
    ``ActivationPlot(trace.curve, theme, x_name="z", y_name="σ(z)")``
    """

    def __init__(self, curve: ActivationCurve, theme: Theme, *, width: float = 4.0,
                 height: float = 3.0, x_name: str = "x", y_name: str = "y") -> None:
        super().__init__()
        self.theme = theme
        self.curve = curve
        xs, ys = curve.xs, curve.ys
        x_ticks = [float(t) for t in curve.x_ticks] or [xs[0], xs[-1]]
        y_ticks = [float(t) for t in curve.y_ticks] or [min(ys), max(ys)]
        x_step = x_ticks[1] - x_ticks[0] if len(x_ticks) > 1 else xs[-1] - xs[0]
        y_step = y_ticks[1] - y_ticks[0] if len(y_ticks) > 1 else 1.0
        self.axes = Axes(
            x_range=(xs[0], xs[-1], x_step), y_range=(y_ticks[0], y_ticks[-1], y_step),
            x_length=width, y_length=height, tips=False,
            axis_config={"include_numbers": False, "color": theme.muted, "stroke_width": 2},
        )
        self.graph = VMobject(stroke_color=theme.result, stroke_width=4)
        self.graph.set_points_as_corners([self.axes.c2p(x, y) for x, y in zip(xs, ys,
                                                                               strict=True)])
        size = theme.small_size
        origin_y = self.axes.c2p(0, 0)[1] if y_ticks[0] <= 0 <= y_ticks[-1] else \
            self.axes.c2p(0, y_ticks[0])[1]
        self.tick_labels = VGroup()
        for text, value in zip(curve.x_ticks, x_ticks, strict=False):
            tick = mono(text, theme, size, theme.muted)
            tick.move_to((self.axes.c2p(value, y_ticks[0])[0], origin_y, 0.0))
            tick.shift(DOWN * 0.3)
            self.tick_labels.add(tick)
        y_axis_x = self.axes.y_axis.get_x()
        for text, value in zip(curve.y_ticks, y_ticks, strict=False):
            if value == 0 and x_ticks[0] < 0 < x_ticks[-1]:
                continue  # the x axis's own 0 already stands at the origin
            tick = mono(text, theme, size, theme.muted)
            tick.next_to((y_axis_x, self.axes.c2p(0, value)[1], 0.0), LEFT, buff=0.15)
            self.tick_labels.add(tick)
        self.x_name = label(x_name, theme, theme.body_size, theme.text)
        self.x_name.next_to(self.axes.x_axis, RIGHT, buff=0.15)
        self.y_name = label(y_name, theme, theme.body_size, theme.text)
        self.y_name.next_to(self.axes.y_axis, UP, buff=0.1)
        self.add(self.axes, self.graph, self.tick_labels, self.x_name, self.y_name)

    def read(self, x: float, y: float, x_text: str, y_text: str,
             color: str | None = None) -> VGroup:
        """Dashed guides from ``x`` on the x axis up to the curve and across to the y axis,
        a dot on the curve, and the two values as text: the input below the tick labels,
        the output beside the y axis on the side away from the point."""
        th = self.theme
        color = color or th.highlight
        floor_y = self.axes.c2p(x, 0)[1] if self.axes.y_range[0] <= 0 else \
            self.axes.c2p(x, self.axes.y_range[0])[1]
        point = self.axes.c2p(x, y)
        axis_x = self.axes.y_axis.get_x()
        up = DashedLine((point[0], floor_y, 0.0), point, color=color, stroke_width=3)
        across = DashedLine(point, (axis_x, point[1], 0.0), color=color, stroke_width=3)
        dot = Dot(point, radius=0.08, color=color)
        x_value = mono(x_text, th, th.small_size + 2, color)
        x_value.move_to((point[0], floor_y, 0.0)).shift(DOWN * 0.68)
        y_value = mono(y_text, th, th.small_size + 2, color)
        side = RIGHT if point[0] < axis_x else LEFT
        y_value.next_to((axis_x, point[1], 0.0), side, buff=0.15)
        return VGroup(up, across, dot, x_value, y_value)
