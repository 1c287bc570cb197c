"""Clip 2: ``torch.sum(x)`` and ``x.sum()`` add up the same products into a 0-d tensor."""

from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    FadeIn,
    FadeOut,
    TransformFromCopy,
    VGroup,
)

from core.arithmetic import SumTrace
from scenes.base import TraceScene, bound_or
from scenes.components.tensor_grid import Cell, TensorGrid
from scenes.components.text import label, mono

__all__ = ["SumTwoWays"]

# Wide enough for a printed value at cell size: the rows span 5 cells and must fit unscaled.
CELL_WIDTH = 1.6


class SumTwoWays(TraceScene[SumTrace]):
    """The products of ``features * weights`` summed with a running total, two ways."""

    clip_id = "sum"
    trace_type = SumTrace

    def construct(self) -> None:
        t = self.trace
        th = self.theme
        ops = t.program.ops
        product_op = ops[t.product_op]
        # The code after its inputs: the product, then the two spellings of the sum.
        a, b = product_op.inputs
        first = max(bound_or(t.program, ref.name, 0) for ref in (a, b)) + 1
        self.show_program(t.program, first=first)
        product = TensorGrid(t.product, th, th.operand_a, cell_width=CELL_WIDTH)
        totals = [Cell(s.running_total, th, CELL_WIDTH, 0.6, th.result) for s in t.steps]
        running = VGroup(*totals)
        for cell, above in zip(running, product.cells, strict=True):
            cell.move_to(above)
        running.next_to(product.badge, DOWN, buff=0.15).align_to(product.cells, LEFT)
        running_name = label("running total", th, th.body_size, th.result)
        running_name.next_to(running, LEFT, buff=0.3)
        left, right, middle = self._two_results(t, running)
        layout = VGroup(product, running, running_name, left, right, middle)
        self.fit_between_code_and_caption(layout)

        # Section: the products to be summed
        self.step("products", f"{product_op.code} gives one product per position; "
                              "the sum adds them all up.")
        self.point_at_span(product_op.span)
        self.play(FadeIn(product), run_time=0.8)

        # Section: the running total
        self.step("running-total", "Adding the products one at a time, "
                                   "the running total grows to the sum"
                                   + ("; the digits shown are rounded." if t.rounded else "."))
        self.play(FadeIn(running_name), Create(VGroup(*(c.box for c in totals))), run_time=0.5)
        for k, cell in enumerate(totals):
            frame = product.highlight(product.cells[k])
            self.play(Create(frame), TransformFromCopy(product.cell(t.steps[k].index).value,
                                                       cell.value),
                      run_time=0.45)
            self.remove(frame)
        final = product.highlight(running[-1])

        # Section: two spellings, one result
        self.step("two-ways", f"torch.sum(x) and x.sum() both give {t.total_function.printed[0]}"
                  + (": the same value." if t.totals_equal else ", but the values differ."))
        self.point_at_span(ops[t.function_op].span)
        self.play(Create(final), TransformFromCopy(running[-1], left.cells[0]),
                  FadeIn(left.name_label), run_time=0.7)
        self.point_at_span(ops[t.method_op].span)
        self.play(TransformFromCopy(running[-1], right.cells[0]), FadeIn(right.name_label),
                  FadeIn(middle), run_time=0.7)

        # Section: a 0-d tensor
        self.step("zero-d", f"The sum is a 0-d tensor, {t.total_function.size_text}: "
                            f"one number with no dimensions.")
        self.play(FadeIn(left.badge), FadeIn(right.badge), FadeOut(final), run_time=0.6)
        self.play(Create(left.highlight(left.badge)), Create(right.highlight(right.badge)),
                  run_time=0.6)

        self.closing(
            "Summing a tensor",
            ["torch.sum(x) and x.sum() are two spellings of one sum"
             + (f": both {t.total_method.printed[0]}" if t.totals_equal else ""),
             f"the products add up one by one: running total {t.steps[-1].running_total}",
             f"the result is a 0-d tensor: {t.total_function.size_text}"],
            "In short: sum adds every element and returns a tensor with no dimensions.",
        )

    def _two_results(self, t: SumTrace,
                     running: VGroup) -> tuple[TensorGrid, TensorGrid, VGroup]:
        """The two 0-d results side by side under the running total, with = or ≠ between."""
        th = self.theme
        left, right = (TensorGrid(facts, th, th.result, cell_width=CELL_WIDTH)
                       for facts in (t.total_function, t.total_method))
        for grid in (left, right):
            # Badge beside the cell, not under it: the frame has no height to spare.
            grid.badge.next_to(grid.cells, RIGHT, buff=0.2)
            grid.name_label.next_to(VGroup(grid.cells, grid.badge), UP, buff=0.18)
        sign, word = ("=", "✓ same") if t.totals_equal else ("≠", "✗ different")
        middle = VGroup(mono(sign, th, th.title_size * 1.5, th.text),
                        label(word, th, th.body_size, th.text))
        middle.arrange(DOWN, buff=0.1)
        pair = VGroup(left, middle, right).arrange(RIGHT, buff=0.5)
        pair.next_to(running, DOWN, buff=0.45).set_x(0)
        middle.set_y(left.cells.get_y())
        return left, right, middle
