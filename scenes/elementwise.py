"""Clip 1: ``features * weights`` multiplies element by element into a new tensor."""

from __future__ import annotations

from manim import DOWN, RIGHT, Create, FadeIn, FadeOut, TransformFromCopy, VGroup

from core.arithmetic import ElementwiseTrace
from scenes.base import TraceScene, bound_or
from scenes.components.tensor_grid import Cell, TensorGrid
from scenes.components.text import mono

__all__ = ["ElementwiseProduct"]


class ElementwiseProduct(TraceScene[ElementwiseTrace]):
    """Two tensors multiplied position by position; the product is a new tensor."""

    clip_id = "elementwise-product"
    trace_type = ElementwiseTrace

    def construct(self) -> None:
        t = self.trace
        th = self.theme
        op = t.program.ops[t.product_op]
        self.show_program_from_seed(t.program)
        a = TensorGrid(t.a, th, th.operand_a, side_labels=True)
        b = TensorGrid(t.b, th, th.operand_b, side_labels=True)
        out = TensorGrid(t.product, th, th.result, side_labels=True)
        rows = VGroup(a, b, out).arrange(DOWN, buff=1.0)
        for grid in (b, out):
            # Line the cells up in columns, whatever the width of each row's name.
            grid.shift(RIGHT * (a.cells.get_left()[0] - grid.cells.get_left()[0]))
        self.fit_between_code_and_caption(rows)

        # Section: the two inputs
        self.step("inputs", f"{t.a.name} and {t.b.name}: two tensors of shape {t.a.size_text}, "
                            f"drawn after torch.manual_seed.")
        self.point_at_line(bound_or(t.program, t.a.name, op.span.line))
        self.play(FadeIn(a), FadeIn(b), run_time=1.0)

        # Section: multiply pair by pair
        self.step("multiply", f"{op.code} multiplies the two elements at each "
                              "position: one product per position.")
        self.point_at_span(op.span)
        empty = VGroup(*(cell.box.copy() for cell in out.cells if isinstance(cell, Cell)))
        self.play(FadeIn(out.name_label), FadeIn(out.badge), Create(empty), run_time=0.6)
        for k, step in enumerate(t.steps):
            frames = VGroup(a.highlight(a.cells[k]), b.highlight(b.cells[k]))
            sums = mono(f"{step.a} × {step.b} = {step.product}", th, th.body_size, th.text)
            sums.next_to(b.cells, DOWN, buff=0.12).set_x(b.cells[k].get_x())
            self.play(Create(frames), FadeIn(sums), run_time=0.5)
            self.play(TransformFromCopy(sums, out.cells[k]), run_time=0.5)
            self.play(FadeOut(frames), FadeOut(sums), run_time=0.3)
        self.remove(empty)

        # Section: the result
        new = t.new_storage
        self.step("result", f"The result has the same shape, {t.product.size_text}"
                            + (", and is a new tensor with its own memory." if new else "."))
        self.play(Create(out.highlight(out.cells)), run_time=0.8)

        self.closing(
            "Element-wise product",
            [f"{op.code} multiplies matching positions: {t.steps[0].a} × "
             f"{t.steps[0].b} = {t.steps[0].product}",
             f"same shape in, same shape out: {t.product.size_text}",
             "the product is a new tensor" if new else "the product shares memory"],
            "In short: * pairs elements by position and returns a new tensor of the same shape.",
        )
