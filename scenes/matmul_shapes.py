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
from core.model import Matmul
from scenes.base import TraceScene
from scenes.components.activation_plot import activation_symbol
from scenes.components.error_card import ErrorCard
from scenes.components.tensor_grid import TensorGrid, size_badge
from scenes.components.text import label, mono

__all__ = ["MatmulNeedsMatchingShapes", "ShapeProduct", "shape_tuple"]

# Wide enough for a printed value at cell size, narrow enough for a 1x5 row beside a badge.
CELL_WIDTH = 1.5
# The frame's width less 32 px on each side at 854 px.
SAFE_WIDTH = config.frame_width * (1 - 2 * 32 / 854)

def shape_tuple(shape: tuple[int, ...]) -> str:
    """A shape written as a tuple, ``(1, 5)``."""
    return "(" + ", ".join(str(n) for n in shape) + ")"


def _count(n: int | None, word: str) -> str:
    return f"no {word}" if n is None else f"{n} {word}" if n == 1 else f"{n} {word}s"


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
        # From the failing call on: the lines this clip runs (the inputs are drawn with badges).
        self.show_program(t.program, first=failed.span.line)
        self._mismatch(t, failed)
        self._fix(t, fixed)
        act = activation_symbol(t.activation)
        self.closing(
            "Matrix multiplication needs matching shapes",
            [f"{failed.code}: inner sizes {_size(failed.inner[0])} ≠ "
             f"{_size(failed.inner[1])}",
             "the rule: columns of the first = rows of the second",
             f"{t.program.ops[t.column_op].code} makes them match: result "
             f"{shape_tuple(fixed.result.shape) if fixed.result else ''}",
             f"{act}(row · column + bias) = {t.output.printed[0]}"
             + (", as in the neuron clip" if t.same_as_neuron else "")],
            "In short: line up columns with rows, and the product is a dot product.",
        )

    # Sections

    def _mismatch(self, t: MatmulShapesTrace, failed: MatmulCase) -> None:
        th = self.theme
        plan = failed.plan
        a = TensorGrid(failed.a, th, th.operand_a, cell_width=CELL_WIDTH, side_labels=True)
        b = TensorGrid(failed.b, th, th.operand_b, cell_width=CELL_WIDTH, side_labels=True)
        rows = VGroup(a, b).arrange(DOWN, buff=0.35)
        b.shift(RIGHT * (a.cells.get_left()[0] - b.cells.get_left()[0]))
        shapes = ShapeProduct(plan.a_shape, plan.b_shape, th.cell_size + 4, th.text, th.mono)
        inner = VGroup(shapes.dims("a", -1), shapes.dims("b", -2))
        fails = failed.error is not None
        verdict = label(f"inner sizes {_size(failed.inner[0])} {'≠' if fails else '='} "
                        f"{_size(failed.inner[1])}  {'✗' if fails else '✓'}", th, th.body_size,
                        th.error if fails else th.result)
        compare = VGroup(shapes, verdict).arrange(RIGHT, buff=0.6)
        card = VGroup()
        if failed.error is not None:
            # Today's message is torch's own; the lecture showed older PyTorch's wording.
            error = ErrorCard(failed.error, th, width=12.0)
            older = VGroup(
                label("older PyTorch (the lecture's) said:", th, th.small_size + 2, th.muted),
                mono(t.old_message, th, th.small_size + 2, th.muted),
            ).arrange(RIGHT, buff=0.25)
            card = VGroup(error, older).arrange(DOWN, buff=0.15)
        layout = VGroup(rows, compare, card).arrange(DOWN, buff=0.3)
        self.fit_between_code_and_caption(layout)
        boxes = VGroup(*(SurroundingRectangle(g, color=th.error, buff=0.06, stroke_width=4)
                         for g in inner))

        self.step("mismatch", f"torch.mm checks the inner sizes: {failed.a.name} has "
                              f"{_count(failed.inner[0], 'column')}, {failed.b.name} has "
                              f"{_count(failed.inner[1], 'row')}.")
        self.point_at_span(failed.span)
        self.play(FadeIn(a), FadeIn(b), run_time=0.6)
        self.play(Create(a.highlight(a.cells)), Create(b.highlight(b.row(0))), FadeIn(shapes),
                  run_time=0.6)
        self.play(Create(boxes), FadeIn(verdict), run_time=0.6)
        if failed.error is None:
            return

        self.step("error", f"They differ, so torch raises a {failed.error.type} with this "
                           f"message. Older PyTorch, as in the lecture, said \"size mismatch\".")
        self.play(FadeIn(card[0], shift=UP * 0.2), run_time=0.6)
        self.play(FadeIn(card[1]), run_time=0.4)

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
        ops = t.program.ops
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
        plan = fixed.plan
        shapes = ShapeProduct(plan.a_shape, plan.b_shape, th.cell_size + 2, th.text, th.mono)
        match = fixed.error is None
        verdict = label(f"{_size(fixed.inner[0])} {'=' if match else '≠'} "
                        f"{_size(fixed.inner[1])} {'✓' if match else '✗'}  →  "
                        f"{shape_tuple(fixed.result.shape)}", th, th.body_size, th.result)
        check = VGroup(shapes, verdict).arrange(RIGHT, buff=0.4)
        check.next_to(a, DOWN, buff=0.35).align_to(a, LEFT)
        scene_group = VGroup(a, at, column, equals, result, check)
        # Inside the 32 px safe margins at 854 px wide: the 1x5 row is the widest thing here.
        if scene_group.width > SAFE_WIDTH:
            scene_group.scale_to_fit_width(SAFE_WIDTH)
        self.fit_between_code_and_caption(scene_group)

        shared = " It shares the same memory." if t.column_shares_storage else ""
        self.step("view", f"{ops[t.column_op].code} turns the row into a column of "
                          f"{_count(t.column.shape[0], 'row')}.{shared}")
        self.point_at_span(ops[t.column_op].span)
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

        self.step("match", f"Now the inner sizes match, {_size(fixed.inner[0])} = "
                           f"{_size(fixed.inner[1])}, and the outer sizes give the result "
                           f"shape {shape_tuple(fixed.result.shape)}.")
        self.point_at_span(fixed.span)
        inner = VGroup(*(shapes.dims(side, k) for side, k in _dims_of(plan, "inner")))
        outer = VGroup(*(shapes.dims(side, k) for role in ("rows", "cols")
                         for side, k in _dims_of(plan, role)))
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

        rounded = " The totals are torch's, from unrounded products." if t.dot_rounded else ""
        self.step("dot", "Row times column: multiply the pairs and add them up, "
                         f"a dot product.{rounded}")
        size = th.small_size + 2
        terms = VGroup(*(VGroup(mono(f"{s.a} × {s.b} = {s.product}", th, size, th.text),
                                mono(f"Σ {s.running}", th, size, th.muted))
                         for s in t.dot))
        for term in terms:
            term.arrange(RIGHT, buff=0.3)
        lines = VGroup(*terms).arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        # The running totals in one column, whatever the width of each term.
        right = max(term[0].get_right()[0] for term in terms)
        for term in terms:
            term[1].next_to((right, term[0].get_y(), 0.0), RIGHT, buff=0.3)
        lines.next_to(a, DOWN, buff=0.35).align_to(a, LEFT)
        # The printed products are rounded, the totals are torch's: say so where they are.
        note = (label("Σ adds torch's unrounded products", th, th.small_size + 2, th.muted)
                if t.dot_rounded else VGroup())
        note.next_to(lines, DOWN, buff=0.12).align_to(lines, LEFT)
        self.play(FadeOut(check), FadeOut(marks), run_time=0.3)
        for k, term in enumerate(terms):
            frames = VGroup(a.highlight(a.cells[k]), column.highlight(column.cells[k]))
            self.play(Create(frames), FadeIn(term), run_time=0.5)
            self.wait(0.3)
            self.remove(frames)
        if t.dot_rounded:
            self.play(FadeIn(note), run_time=0.3)
        total = terms[-1][1]
        lines.add(SurroundingRectangle(total, color=th.result, buff=0.06))
        self.play(Create(lines[-1]), TransformFromCopy(total, result.cells[0]), run_time=0.6)
        self.remove(empty)

        act = activation_symbol(t.activation)
        same = ", the same output as the neuron clip" if t.same_as_neuron else ""
        self.step("activation", f"Adding the bias and applying the {t.activation} gives "
                                f"y = {t.output.printed[0]}{same}.")
        self.point_at_span(ops[t.bias_op].span)
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
        self.play(FadeOut(lines), FadeOut(note), run_time=0.3)
        self.play(FadeIn(chain[0], shift=RIGHT * 0.2), run_time=0.4)
        self.point_at_span(ops[t.activation_op].span)
        for line in chain[1:]:
            self.play(FadeIn(line, shift=RIGHT * 0.2), run_time=0.4)
        if t.same_as_neuron:
            self.play(Create(SurroundingRectangle(chain[-1], color=th.result, buff=0.08)),
                      run_time=0.4)


def _size(n: int | None) -> str:
    return "–" if n is None else str(n)


def _dims_of(plan: Matmul, role: str) -> list[tuple[str, int]]:
    """Where the dims of a role sit in each operand's shape: (operand, index from the right).

    The dims table is right-aligned, so its last rows are the operands' last dims.
    """
    found = []
    for side in ("a", "b"):
        sizes = [d for d in plan.dims if (d.a if side == "a" else d.b) is not None]
        for k, d in enumerate(sizes):
            if d.role == role:
                found.append((side, k - len(sizes)))
    return found
