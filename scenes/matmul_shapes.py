"""Clip 4: ``torch.mm`` needs the inner sizes to match; ``weights.view(5, 1)`` makes them match."""

from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    DashedVMobject,
    FadeIn,
    FadeOut,
    Rectangle,
    RoundedRectangle,
    SurroundingRectangle,
    Text,
    TransformFromCopy,
    VGroup,
    config,
)

from core.matmul import MatmulCase, MatmulShapesTrace
from scenes.base import TraceScene
from scenes.components.activation_plot import activation_symbol
from scenes.components.error_card import ErrorCard
from scenes.components.tensor_grid import TensorGrid, size_badge
from scenes.components.text import label, mono

__all__ = ["MatmulNeedsMatchingShapes", "ShapeProduct", "shape_tuple"]

# Wide enough for a printed value at cell size, narrow enough for a 1x5 row beside a badge.
CELL_WIDTH = 1.5

def shape_tuple(shape: tuple[int, ...]) -> str:
    """A shape written as a tuple, ``(1, 5)``."""
    return "(" + ", ".join(str(n) for n in shape) + ")"


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class ShapeProduct(VGroup):
    """``(1, 5) @ (5, 1)`` as one monospace line whose sizes can be boxed one by one.

    Parts: ``text``; :meth:`dims` gives the glyphs of a dimension of operand ``a`` or ``b``.
    """

    def __init__(self, a: tuple[int, ...], b: tuple[int, ...], size: float, color: str,
                 font: str) -> None:
        super().__init__()
        self.spans: dict[tuple[str, int], tuple[int, int]] = {}
        source = ""
        for name, shape in (("a", a), ("b", b)):
            if name == "b":
                source += " @ "
            source += "("
            for k, n in enumerate(shape):
                if k:
                    source += ", "
                self.spans[(name, k)] = (len(source), len(source) + len(str(n)))
                source += str(n)
            source += ")"
        self.source = source
        self.text = Text(source, font=font, font_size=size, color=color)
        self.add(self.text)

    def dims(self, operand: str, index: int) -> VGroup:
        """Glyphs of dimension ``index`` of operand ``a`` or ``b`` (negative counts back)."""
        count = sum(1 for key in self.spans if key[0] == operand)
        start, end = self.spans[(operand, index % count)]
        first = len(self.source[:start].replace(" ", ""))
        return VGroup(*self.text.submobjects[first:first + end - start])


class MatmulNeedsMatchingShapes(TraceScene[MatmulShapesTrace]):
    """The failing ``torch.mm(features, weights)``, the rule, and the fix with ``view``."""

    clip_id = "matmul-shapes"
    trace_type = MatmulShapesTrace

    def construct(self) -> None:
        t = self.trace
        failed, fixed = t.failed, t.fixed
        self.show_code([t.code[1], t.code[-2], t.code[-1]])
        self._mismatch(t, failed)
        self._fix(t, fixed)
        act = activation_symbol(t.activation)
        self.closing(
            "Matrix multiplication needs matching shapes",
            [f"{failed.code}: inner sizes {failed.inner[0]} ≠ {failed.inner[1]}",
             "the rule: columns of the first = rows of the second",
             f"{t.column.name} makes them match: result "
             f"{shape_tuple(fixed.result.shape) if fixed.result else ''}",
             f"{act}(row · column + bias) = {t.output.printed[0]}"
             + (", as in the neuron clip" if t.same_as_neuron else "")],
            "In short: line up columns with rows, and the product is a dot product.",
        )

    # Sections

    def _mismatch(self, t: MatmulShapesTrace, failed: MatmulCase) -> None:
        th = self.theme
        a = TensorGrid(failed.a, th, th.operand_a, cell_width=CELL_WIDTH, side_labels=True)
        b = TensorGrid(failed.b, th, th.operand_b, cell_width=CELL_WIDTH, side_labels=True)
        rows = VGroup(a, b).arrange(DOWN, buff=0.35)
        b.shift(RIGHT * (a.cells.get_left()[0] - b.cells.get_left()[0]))
        shapes = ShapeProduct(failed.a_used, failed.b_used, th.cell_size + 4, th.text, th.mono)
        inner = VGroup(shapes.dims("a", -1), shapes.dims("b", 0))
        fails = failed.error is not None
        verdict = label(f"inner sizes {failed.inner[0]} {'≠' if fails else '='} "
                        f"{failed.inner[1]}  {'✗' if fails else '✓'}", th, th.body_size,
                        th.error if fails else th.result)
        compare = VGroup(shapes, verdict).arrange(RIGHT, buff=0.6)
        card = ErrorCard(failed.error, th, width=12.0) if failed.error else VGroup()
        layout = VGroup(rows, compare, card).arrange(DOWN, buff=0.3)
        self.fit_between_code_and_caption(layout)
        boxes = VGroup(*(SurroundingRectangle(g, color=th.error, buff=0.06, stroke_width=4)
                         for g in inner))

        self.step("mismatch", f"torch.mm checks the inner sizes: {failed.a.name} has "
                              f"{_count(failed.inner[0], 'column')}, {failed.b.name} has "
                              f"{_count(failed.inner[1], 'row')}.")
        self.point_at(failed.code)
        self.play(FadeIn(a), FadeIn(b), run_time=0.6)
        self.play(Create(a.highlight(a.cells)), Create(b.highlight(b.row(0))), FadeIn(shapes),
                  run_time=0.6)
        self.play(Create(boxes), FadeIn(verdict), run_time=0.6)
        if failed.error is None:
            return

        self.step("error", f"They differ, so torch raises a {failed.error.type} "
                           f"with exactly this message.")
        self.play(FadeIn(card, shift=UP * 0.2), run_time=0.6)

        rule = self._rule_card(card)
        self.step("rule", "The rule: the columns of the first must equal "
                          "the rows of the second.")
        # A fade, not a morph: morphing text outlines is slow to render and reads no better.
        self.play(FadeOut(card), FadeIn(rule), run_time=0.6)

    def _rule_card(self, where: VGroup) -> VGroup:
        th = self.theme
        formula = mono("(n, k) @ (k, m) → (n, m)", th, th.title_size, th.text)
        words = label("columns of the first = rows of the second: both k", th, th.body_size,
                      th.text)
        body = VGroup(formula, words).arrange(DOWN, buff=0.2)
        panel = RoundedRectangle(corner_radius=0.12, width=max(body.width + 0.8, 8.0),
                                 height=body.height + 0.45, fill_color=th.panel,
                                 fill_opacity=1, stroke_color=th.highlight, stroke_width=3)
        body.move_to(panel)
        card = VGroup(panel, body)
        card.move_to(where)
        return card

    def _fix(self, t: MatmulShapesTrace, fixed: MatmulCase) -> None:
        th = self.theme
        assert fixed.result is not None
        a = TensorGrid(fixed.a, th, th.operand_a, cell_width=CELL_WIDTH)
        column = TensorGrid(t.column, th, th.operand_b, cell_width=CELL_WIDTH)
        at = mono("@", th, th.title_size, th.text)
        equals = mono("=", th, th.title_size, th.text)
        result = TensorGrid(fixed.result, th, th.result, cell_width=CELL_WIDTH)
        # The result's name is its code: two short lines instead of one long one.
        result.name_label.become(VGroup(
            mono(f"torch.{fixed.op}({fixed.a.name},", th, th.small_size, th.result),
            mono(f"{fixed.b.name})", th, th.small_size, th.result),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.06).next_to(result.cells, UP, buff=0.15)
            .align_to(result.cells, LEFT))
        result.badge.align_to(result.cells, LEFT)
        # Row, @, column, =, result, all on the line of the column's first cell: the row
        # meets the column there. Names and badges hang off their left or right edges so
        # the long ones stay clear of each other.
        column.name_label.align_to(column.cells, RIGHT)
        first = column.cells[0].get_y()
        at.next_to(column.cells, LEFT, buff=0.2).set_y(first)
        a.shift(RIGHT * (at.get_left()[0] - 0.2 - a.cells.get_right()[0])
                + UP * (first - a.cells.get_y()))
        equals.next_to(column.cells, RIGHT, buff=0.2).set_y(first)
        result.shift(RIGHT * (equals.get_right()[0] + 0.2 - result.cells.get_left()[0])
                     + UP * (first - result.cells.get_y()))
        shapes = ShapeProduct(fixed.a_used, fixed.b_used, th.cell_size + 2, th.text, th.mono)
        match = fixed.error is None
        verdict = label(f"{fixed.inner[0]} {'=' if match else '≠'} {fixed.inner[1]} "
                        f"{'✓' if match else '✗'}  →  {shape_tuple(fixed.result.shape)}",
                        th, th.body_size, th.result)
        check = VGroup(shapes, verdict).arrange(RIGHT, buff=0.4)
        check.next_to(a, DOWN, buff=0.35).align_to(a, LEFT)
        scene_group = VGroup(a, at, column, equals, result, check)
        self.fit_between_code_and_caption(scene_group)

        shared = " It shares the same memory." if t.column_shares_storage else ""
        self.step("view", f"{t.column.name} turns the row into a column of "
                          f"{_count(t.column.shape[0], 'row')}.{shared}")
        self.point_at(t.code[-1], t.column.name)
        # Clear the failed attempt; the code and the caption stay.
        assert self.code is not None and self.caption_bar is not None
        gone = [m for m in self.mobjects if m not in (self.code, self.code_mark,
                                                      self.caption_bar)]
        # One curtain over the band, as closing() does: fading each part would copy them all.
        curtain = Rectangle(width=config.frame_width, height=self.code.get_bottom()[1]
                            - self.caption_bar.get_top()[1] - 0.1, stroke_width=0,
                            fill_color=th.background, fill_opacity=1)
        curtain.move_to((0.0, (self.code.get_bottom()[1] + self.caption_bar.get_top()[1]) / 2,
                         0.0))
        self.play(FadeIn(curtain), run_time=0.4)
        self.remove(*gone, curtain)
        self.play(FadeIn(a), FadeIn(at), FadeIn(column), run_time=0.8)

        self.step("match", f"Now the inner sizes match, {fixed.inner[0]} = {fixed.inner[1]}, "
                           f"and the outer sizes give the result shape "
                           f"{shape_tuple(fixed.result.shape)}.")
        self.point_at(t.code[-1], f"torch.{fixed.op}(")
        inner = VGroup(shapes.dims("a", -1), shapes.dims("b", 0))
        outer = VGroup(shapes.dims("a", 0), shapes.dims("b", -1))
        # Inner sizes boxed solid, outer sizes dashed: the two roles differ in shape too.
        marks = VGroup(*(SurroundingRectangle(g, color=th.highlight, buff=0.06, stroke_width=4)
                         for g in inner),
                       *(DashedVMobject(SurroundingRectangle(g, color=th.result, buff=0.06,
                                                             stroke_width=3), num_dashes=12)
                         for g in outer))
        self.play(FadeIn(shapes), run_time=0.4)
        self.play(Create(marks), FadeIn(verdict), run_time=0.7)
        empty = result.cell((0, 0)).box.copy()
        self.play(FadeIn(equals), FadeIn(result.name_label), FadeIn(result.badge),
                  Create(empty), run_time=0.5)

        self.step("dot", "Row times column: multiply the pairs and add them up, "
                         "a dot product.")
        dot = fixed.dots[0]
        terms = VGroup(*(mono(f"{s.a} × {s.b} = {s.product}", th, th.small_size + 2, th.text)
                         for s in dot.terms))
        total = mono(f"Σ = {dot.result}", th, th.small_size + 2, th.result)
        lines = VGroup(*terms, total).arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        lines.next_to(a, DOWN, buff=0.35).align_to(a, LEFT)
        self.play(FadeOut(check), FadeOut(marks), run_time=0.3)
        for k, term in enumerate(terms):
            frames = VGroup(a.highlight(a.cells[k]), column.highlight(column.cells[k]))
            self.play(Create(frames), FadeIn(term), run_time=0.35)
            self.remove(frames)
        self.play(FadeIn(total), run_time=0.3)
        self.play(TransformFromCopy(total, result.cells[0]), run_time=0.6)
        self.remove(empty)

        act = activation_symbol(t.activation)
        same = ", the same output as the neuron clip" if t.same_as_neuron else ""
        self.step("activation", f"Adding the bias and applying the {t.activation} gives "
                                f"y = {t.output.printed[0]}{same}.")
        self.point_at(t.code[-1], f"torch.{t.activation}")
        size = th.small_size + 2
        chain = VGroup(
            mono(f"+ bias = {t.bias.printed[0]}  →  z = {t.pre_activation.printed[0]}", th,
                 size, th.operand_b),
            VGroup(mono(f"y = {act}(z) = {t.output.printed[0]}", th, size, th.highlight),
                   size_badge(t.output.size_text, th)).arrange(RIGHT, buff=0.25),
        )
        if t.same_as_neuron:
            chain.add(label(f"✓ same as the neuron clip: {t.neuron_output.printed[0]}", th,
                            size, th.result))
        chain.arrange(DOWN, aligned_edge=LEFT, buff=0.22)
        chain.move_to(lines, UP).align_to(lines, LEFT)
        self.play(FadeOut(lines), run_time=0.3)
        for line in chain:
            self.play(FadeIn(line, shift=RIGHT * 0.2), run_time=0.4)
        if t.same_as_neuron:
            self.play(Create(SurroundingRectangle(chain[-1], color=th.result, buff=0.08)),
                      run_time=0.4)
