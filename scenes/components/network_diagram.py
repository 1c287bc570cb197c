"""NetworkDiagram: layers of units joined by weighted edges, with values on inputs and edges."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import DOWN, LEFT, RIGHT, Circle, Line, Mobject, Rectangle, VGroup

from scenes.components.text import label, mono
from scenes.theme import Theme

__all__ = ["NetworkDiagram"]


class NetworkDiagram(VGroup):
    """A fully connected feed-forward network: one column of units per layer.

    Edge ``(gap, i, j)`` joins unit ``i`` of layer ``gap`` to unit ``j`` of layer ``gap + 1``,
    so the edges of a gap run in the row-major order of its weight matrix (``W[i, j]``).
    Values are drawn as text with a background patch, so an edge under a number never strikes
    it through.

    Parts: ``layers`` (one VGroup of Circles per layer), ``edges`` (one VGroup of Lines per
    gap, see :meth:`edge`), ``symbols`` (text inside units, e.g. ``Σ``), ``input_labels``
    (text left of the input units), ``edge_labels`` (one VGroup per gap, same order as
    ``edges``).

    Examples
    --------
    ``NetworkDiagram([5, 1], theme, input_labels=trace.features.printed,
    edge_labels=[trace.weights.printed], symbols=[[], ["Σ"]])`` draws one neuron.
    """

    def __init__(self, sizes: Sequence[int], theme: Theme, *, layer_gap: float = 3.2,
                 node_gap: float = 0.75, radius: float = 0.26,
                 colors: Sequence[str] | None = None,
                 symbols: Sequence[Sequence[str]] | None = None,
                 input_labels: Sequence[str | None] | None = None,
                 edge_labels: Sequence[Sequence[str | None]] | None = None,
                 edge_colors: Sequence[str] | None = None,
                 label_at: float = 0.3) -> None:
        super().__init__()
        self.theme = theme
        self.sizes = tuple(sizes)
        colors = list(colors or [theme.operand_a] * len(sizes))
        self.layers = VGroup()
        for number, size in enumerate(sizes):
            radius_here = radius * (1.6 if symbols and symbols[number] else 1.0)
            units = VGroup(*(Circle(radius=radius_here, stroke_color=colors[number],
                                    stroke_width=3, fill_color=theme.panel, fill_opacity=1)
                             for _ in range(size)))
            for k, unit in enumerate(units):
                unit.move_to(RIGHT * number * layer_gap + DOWN * (k - (size - 1) / 2) * node_gap)
            self.layers.add(units)
        self.edges = VGroup()
        for gap in range(len(sizes) - 1):
            self.edges.add(VGroup(*(
                Line(_rim(a, b), _rim(b, a), stroke_color=theme.muted, stroke_width=2.5)
                for a in self.layers[gap] for b in self.layers[gap + 1]
            )))
        self.symbols = VGroup()
        for number, unit_symbols in enumerate(symbols or []):
            for unit, symbol in zip(self.layers[number], unit_symbols, strict=False):
                self.symbols.add(label(symbol, theme, theme.body_size, theme.text).move_to(unit))
        self.input_labels = VGroup()
        for unit, value in zip(self.layers[0], input_labels or [], strict=False):
            if value is not None:
                self.input_labels.add(mono(value, theme, theme.small_size + 2, colors[0])
                                      .next_to(unit, LEFT, buff=0.2))
        self.edge_labels = VGroup()
        for gap, gap_values in enumerate(edge_labels or []):
            self.edge_labels.add(VGroup(*(
                self.value_on_edge(gap, k, value, edge_colors[gap] if edge_colors else None,
                                   at=label_at)
                for k, value in enumerate(gap_values) if value is not None
            )))
        self.add(self.edges, self.layers, self.symbols, self.input_labels, self.edge_labels)

    def unit(self, layer: int, index: int) -> Circle:
        """Unit ``index`` of layer ``layer``."""
        unit = self.layers[layer][index]
        assert isinstance(unit, Circle)
        return unit

    def edge(self, gap: int, i: int, j: int) -> Line:
        """The edge from unit ``i`` of layer ``gap`` to unit ``j`` of the next layer."""
        line = self.edges[gap][i * self.sizes[gap + 1] + j]
        assert isinstance(line, Line)
        return line

    def value_on_edge(self, gap: int, k: int, text: str, color: str | None = None,
                      at: float = 0.3) -> VGroup:
        """``text`` on a background patch at fraction ``at`` along edge ``k`` of a gap."""
        th = self.theme
        line = self.edges[gap][k]
        words = mono(text, th, th.small_size, color or th.operand_b)
        patch = Rectangle(width=words.width + 0.12, height=words.height + 0.1, stroke_width=0,
                          fill_color=th.background, fill_opacity=0.9)
        tag = VGroup(patch, words)
        tag.move_to(line.point_from_proportion(at))
        return tag

    def values_at_units(self, layer: int, texts: Sequence[str], color: str | None = None,
                        direction: np.ndarray = RIGHT) -> VGroup:
        """One text per unit of a layer, placed beside it (not added to the diagram)."""
        th = self.theme
        return VGroup(*(mono(text, th, th.small_size + 2, color or th.result)
                        .next_to(unit, direction, buff=0.15)
                        for unit, text in zip(self.layers[layer], texts, strict=True)))


def _rim(a: Mobject, b: Mobject) -> np.ndarray:
    """The point on ``a``'s circle facing ``b``'s centre."""
    direction = b.get_center() - a.get_center()
    length = float(np.linalg.norm(direction))
    if length == 0:
        return np.array(a.get_center())
    return np.array(a.get_center() + direction / length * (a.width / 2))
