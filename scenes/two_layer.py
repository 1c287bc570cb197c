"""Clip 11: a 3-2-1 network's forward pass, with the shape of every tensor as it flows."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    AnimationGroup,
    Create,
    FadeIn,
    ReplacementTransform,
    ShowPassingFlash,
    SurroundingRectangle,
    VGroup,
    VMobject,
)

from core.arithmetic import TwoLayerTrace
from core.model import TensorFacts
from scenes.base import TraceScene
from scenes.components.activation_plot import activation_symbol
from scenes.components.network_diagram import NetworkDiagram
from scenes.components.storage_strip import cell_width_for
from scenes.components.tensor_grid import size_badge
from scenes.components.text import label, mono
from scenes.stage import Figure, tensor_colors

__all__ = ["TwoLayerForwardPass"]


def _tuple(facts: TensorFacts) -> str:
    return str(tuple(facts.shape))


class TwoLayerForwardPass(TraceScene[TwoLayerTrace]):
    """``h = σ(features @ W1 + B1)``, ``y = σ(h @ W2 + B2)`` on a drawn network."""

    clip_id = "two-layer-network"
    trace_type = TwoLayerTrace

    def construct(self) -> None:
        t = self.trace
        th = self.theme
        features, w1, w2, b1, b2 = t.inputs
        s_mm1, s_z1, s_h, s_mm2, s_z2, s_y = (stage.tensor for stage in t.stages)
        spans = [t.program.ops[stage.op].span for stage in t.stages]
        act = activation_symbol(t.activation)
        # Each tensor in its lesson colour; a layer's intermediate values in its output's.
        colors = tensor_colors(t.program, th)
        cf, cw1, cw2, cb1, cb2, ch, cy = (colors[x.name] for x in (features, w1, w2, b1, b2,
                                                                   s_h, s_y))
        sizes = [features.shape[-1], w1.shape[-1], w2.shape[-1]]
        # The two layers' lines: from the one that makes h to the one that makes y.
        self.show_program(t.program, first=spans[2].line, last=spans[5].line)

        # The output layer takes the "shared" colour: in the light theme the highlight and
        # the weights' amber are too close to tell apart (names tell them apart anyway).
        net = NetworkDiagram(sizes, th, layer_gap=2.6, node_gap=1.65,
                             colors=[cf, ch, cy],
                             input_labels=features.printed,
                             edge_labels=[w1.printed, w2.printed], edge_colors=[cw1, cw2],
                             label_at=0.34)
        # Edge labels of the second gap sit mid-way: only two edges, nothing to dodge.
        for tag, edge in zip(net.edge_labels[1], net.edges[1], strict=True):
            tag.move_to(edge.point_from_proportion(0.5))
        top = net.layers[0].get_top()[1] + 0.45
        titles = VGroup(*(
            label(name, th, th.body_size, color).move_to((part.get_x(), top, 0.0))
            for name, color, part in ((features.name, cf, net.layers[0]),
                                      (w1.name, cw1, net.edges[0]),
                                      (s_h.name, ch, net.layers[1]),
                                      (w2.name, cw2, net.edges[1]),
                                      (s_y.name, cy, net.layers[2]))))
        titles[0].align_to(net.input_labels, LEFT)
        diagram = VGroup(net, titles)

        # The shapes flow through three panels: the inputs, then layer 1, then layer 2.
        given = self._panel([(features.name, features, cf),
                             (w1.name, w1, cw1), (b1.name, b1, cb1),
                             (w2.name, w2, cw2), (b2.name, b2, cb2)])
        layer1 = self._panel([(features.name, features, cf), (w1.name, w1, cw1),
                              (s_mm1.name, s_mm1, ch), (b1.name, b1, cb1),
                              (f"z1 = … + {b1.name}", s_z1, ch),
                              (f"{s_h.name} = {act}(z1)", s_h, ch)])
        layer2 = self._panel([(s_h.name, s_h, ch), (w2.name, w2, cw2),
                              (s_mm2.name, s_mm2, cy), (b2.name, b2, cb2),
                              (f"z2 = … + {b2.name}", s_z2, cy),
                              (f"{s_y.name} = {act}(z2)", s_y, cy)])
        # The three panels take turns in one place.
        for panel in (layer1, layer2):
            panel.move_to(given.get_corner(UP + LEFT), UP + LEFT)
        panels = VGroup(given, layer1, layer2)
        layout = VGroup(diagram, panels).arrange(RIGHT, buff=0.5)
        self.fit_between_code_and_caption(layout)

        hidden_values = [self._unit_value(net, 1, k, text, ch)
                         for k, text in enumerate(s_mm1.printed)]
        out_value = self._unit_value(net, 2, 0, s_mm2.printed[0], cy)

        # Section: the network
        self.step("network", f"{sizes[0]} inputs, {sizes[1]} hidden units, {sizes[2]} output: "
                             f"the weights W1 and W2 sit on the edges.")
        # The tensors as the code clips draw them; their cells carry the values onto the
        # inputs and the edges.
        cell_theme = replace(th, cell_size=th.small_size + 1)
        w = cell_width_for(cell_theme, *features.printed, *w1.printed, *w2.printed, fill=0.9)
        tensors = [Figure(facts, cell_theme, color, w, 0.4)
                   for facts, color in ((features, cf), (w1, cw1),
                                        (w2, cw2))]
        # One at a time, each where the panels will be: the last one has left by then.
        for figure in tensors:
            figure.move_to(given, aligned_edge=UP + LEFT)
        tags: list[list[Any]] = [list(net.edge_labels[0]), list(net.edge_labels[1])]
        self.cells_into(tensors[0], net.input_labels, FadeIn(net.layers), [], titles[0])
        self.cells_into(tensors[1], [tag[1] for tag in tags[0]], Create(net.edges[0]),
                        [tag[0] for tag in tags[0]], titles[1])
        self.cells_into(tensors[2], [tag[1] for tag in tags[1]], Create(net.edges[1]),
                        [tag[0] for tag in tags[1]], titles[3])
        self.play(FadeIn(titles[2]), FadeIn(titles[4]), FadeIn(given), run_time=0.6)

        # Section: features @ W1
        self.step("hidden-sum", f"{s_mm1.name}: {_tuple(features)} @ {_tuple(w1)} gives "
                                f"{_tuple(s_mm1)}, one weighted sum per hidden unit.")
        self.point_at_span(spans[0])
        self.remove(given)
        self.add(*layer1[:2])
        self._flash(net.edges[0])
        self.play(*(FadeIn(v) for v in hidden_values), FadeIn(layer1[2]), run_time=0.6)

        # Section: + B1, activation
        self.step("hidden-activation", f"Adding {b1.name}, then the {t.activation}, gives the "
                                       f"hidden layer {s_h.name}, still {_tuple(s_h)}.")
        self.point_at_span(spans[1])
        z1 = [self._unit_value(net, 1, k, text, ch) for k, text in enumerate(s_z1.printed)]
        self.play(*(ReplacementTransform(a, b) for a, b in zip(hidden_values, z1, strict=True)),
                  FadeIn(layer1[3:5]), run_time=0.6)
        self.point_at_span(spans[2])
        h = [self._unit_value(net, 1, k, text, ch) for k, text in enumerate(s_h.printed)]
        self.play(*(ReplacementTransform(a, b) for a, b in zip(z1, h, strict=True)),
                  FadeIn(layer1[5]), run_time=0.6)

        # Section: the output layer
        self.step("output-layer", f"{s_z2.name}, then the {t.activation}: {_tuple(s_h)} @ "
                                  f"{_tuple(w2)} → {_tuple(s_y)}, the output.")
        self.point_at_span(spans[3])
        self.remove(*layer1)
        self.add(*layer2[:2])
        self._flash(net.edges[1])
        self.play(FadeIn(out_value), FadeIn(layer2[2]), run_time=0.5)
        z2 = self._unit_value(net, 2, 0, s_z2.printed[0], cy)
        self.point_at_span(spans[4])
        self.play(ReplacementTransform(out_value, z2), FadeIn(layer2[3:5]), run_time=0.5)
        y = self._unit_value(net, 2, 0, s_y.printed[0], cy)
        self.point_at_span(spans[5])
        self.play(ReplacementTransform(z2, y), FadeIn(layer2[5]), run_time=0.5)

        # Section: y
        self.step("output", f"The network's output: y = {s_y.repr}, shape {_tuple(s_y)}.")
        self.point_at_line(spans[5].line)
        self.play(Create(SurroundingRectangle(VGroup(y, net.unit(2, 0)), color=th.highlight,
                                              buff=0.1, stroke_width=5)),
                  Create(SurroundingRectangle(layer2[5], color=th.highlight, buff=0.06,
                                              stroke_width=3)), run_time=0.6)

        self.closing("Each layer is a matrix product, a bias and an activation.")

    def _panel(self, rows: list[tuple[str, TensorFacts, str]]) -> VGroup:
        """One row per tensor: its name, then its ``torch.Size`` badge, badges in a column."""
        th = self.theme
        names = [mono(name, th, th.small_size + 2, color) for name, _, color in rows]
        badges = [size_badge(facts.size_text, th) for _, facts, _ in rows]
        width = max(n.width for n in names)
        panel = VGroup()
        for k, (name, badge) in enumerate(zip(names, badges, strict=True)):
            badge.move_to((width + 0.3 + badge.width / 2, -k * 0.55, 0.0))
            name.move_to((name.width / 2, -k * 0.55, 0.0))
            panel.add(VGroup(name, badge))
        return panel

    def _unit_value(self, net: NetworkDiagram, layer: int, k: int, text: str | None,
                    color: str) -> VGroup:
        """A unit's current value: above the top unit of a layer, below the others."""
        th = self.theme
        words = mono(text or "?", th, th.small_size + 2, color)
        unit = net.unit(layer, k)
        words.next_to(unit, UP if k == 0 and len(net.layers[layer]) > 1 else DOWN, buff=0.12)
        return VGroup(words)

    def _flash(self, edges: VMobject) -> None:
        th = self.theme
        self.play(AnimationGroup(*(ShowPassingFlash(e.copy().set_stroke(th.highlight, width=6),
                                                    time_width=0.6) for e in edges)),
                  run_time=0.8)
