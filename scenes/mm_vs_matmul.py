"""Clip 5: ``torch.mm`` is strict about 2-D inputs; ``torch.matmul`` broadcasts, even silently."""

from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    FadeIn,
    Line,
    Rectangle,
    SurroundingRectangle,
    TransformFromCopy,
    VGroup,
    config,
)

from core.facts import TensorFacts
from core.matmul import DimStep, MatmulCase, MmVsMatmulTrace
from scenes.base import TraceScene
from scenes.components.error_card import ErrorCard
from scenes.components.tensor_grid import TensorGrid, size_badge
from scenes.components.text import label, mono
from scenes.theme import Theme

__all__ = ["DimTable", "MmVersusMatmul", "ShapeBlock"]

CELL_WIDTH = 1.45
ROW_STEP = 0.36  # between rows of the dimension table
# What each role of a DimStep does to its sizes, in words (roles are never told by colour).
ROLES = {"batch": "batch: broadcast", "rows": "rows", "inner": "inner: must match",
         "cols": "columns", "dropped": "added 1: dropped"}


def _code_name(name: str) -> list[str]:
    """A call's code broken after its first argument when it is long."""
    if len(name) <= 22:
        return [name]
    depth = 0
    for k, char in enumerate(name):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 1:
            head, tail = name[:k + 1], name[k + 1:].lstrip()
            if max(len(head), len(tail)) <= 24:
                return [head, "  " + tail]
            call, first = head.split("(", 1)
            return [call + "(", "  " + first, "  " + tail]
    return [name]


class ShapeBlock(VGroup):
    """A tensor drawn by its shape alone: its last two sizes as a grid of small squares,
    one offset outline per further slice, its name above and its ``torch.Size`` below.

    For tensors whose values would not fit legibly; the badge carries the exact shape.

    Parts: ``front``, ``slices``, ``name_label``, ``badge``.
    """

    def __init__(self, facts: TensorFacts, theme: Theme, color: str, unit: float = 0.3,
                 name: str | None = None) -> None:
        super().__init__()
        shape = facts.shape
        rows, cols = (shape[-2], shape[-1]) if len(shape) >= 2 else (1, shape[0] if shape else 1)
        self.front = VGroup(Rectangle(width=cols * unit, height=rows * unit, stroke_color=color,
                                      stroke_width=3, fill_color=theme.panel, fill_opacity=1))
        box = self.front[0]
        for c in range(1, cols):
            x = box.get_left()[0] + c * unit
            self.front.add(Line((x, box.get_bottom()[1], 0.0), (x, box.get_top()[1], 0.0),
                                stroke_color=color, stroke_width=1, stroke_opacity=0.6))
        for r in range(1, rows):
            y = box.get_bottom()[1] + r * unit
            self.front.add(Line((box.get_left()[0], y, 0.0), (box.get_right()[0], y, 0.0),
                                stroke_color=color, stroke_width=1, stroke_opacity=0.6))
        self.slices = VGroup()
        extra = facts.numel // (rows * cols) - 1
        for i in range(min(extra, 3), 0, -1):
            ghost = Rectangle(width=cols * unit, height=rows * unit, stroke_color=color,
                              stroke_width=1.5, stroke_opacity=0.7)
            ghost.move_to(box.get_center() + (UP + RIGHT) * 0.12 * i)
            self.slices.add(ghost)
        self.add(self.slices, self.front)
        lines = _code_name(name or facts.name)
        self.name_label = VGroup(*(mono(line, theme, theme.small_size + 2, color)
                                   for line in lines)).arrange(DOWN, aligned_edge=LEFT,
                                                               buff=0.06)
        self.name_label.next_to(self, UP, buff=0.15)
        self.badge = size_badge(facts.size_text, theme)
        self.badge.next_to(self.front, DOWN, buff=0.18)
        self.add(self.name_label, self.badge)


class DimTable(VGroup):
    """The result shape of a matmul derived dimension by dimension, one row per ``DimStep``.

    Columns: the dimension's role, its size in each operand (``–`` where it has none), and
    what it becomes in the result. Roles are words, not colours.

    Parts: ``header``, ``rows`` (one VGroup per step, in the order of ``case.dims``).
    """

    def __init__(self, case: MatmulCase, theme: Theme) -> None:
        super().__init__()
        size = theme.small_size + 2

        def cell(value: int | None) -> str:
            return "–" if value is None else str(value)

        def outcome(step: DimStep) -> str:
            if step.result is not None:
                return str(step.result)
            return "✓ summed" if step.role == "inner" else "dropped"

        texts = [["", case.a.name, case.b.name, "result"]]
        texts += [[ROLES.get(s.role, s.role), cell(s.a), cell(s.b), outcome(s)]
                  for s in case.dims]
        grid = [[(label if c == 0 else mono)(text, theme, size,
                                             theme.muted if r == 0 else theme.text)
                 for c, text in enumerate(row)] for r, row in enumerate(texts)]
        widths = [max(row[c].width for row in grid) for c in range(4)]
        lefts = [0.0]
        for w in widths[:-1]:
            lefts.append(lefts[-1] + w + 0.45)
        for r, row in enumerate(grid):
            for c, mob in enumerate(row):
                if c == 0:
                    mob.move_to((lefts[c] + mob.width / 2, -r * ROW_STEP, 0.0))
                else:
                    mob.move_to((lefts[c] + widths[c] / 2, -r * ROW_STEP, 0.0))
        self.header = VGroup(*grid[0])
        self.rows = VGroup(*(VGroup(*row) for row in grid[1:]))
        rule = Line((0.0, -ROW_STEP / 2, 0.0), (lefts[-1] + widths[-1], -ROW_STEP / 2, 0.0),
                    stroke_color=theme.muted, stroke_width=1.5)
        self.add(self.header, rule, self.rows)


class MmVersusMatmul(TraceScene[MmVsMatmulTrace]):
    """``torch.mm`` refuses 1-d and 3-d inputs; ``torch.matmul`` broadcasts them."""

    clip_id = "mm-vs-matmul"
    trace_type = MmVsMatmulTrace

    def construct(self) -> None:
        t = self.trace
        mm_v, mat_v = t.case("mm-vector"), t.case("matmul-vector")
        mm_b, mat_b = t.case("mm-batch"), t.case("matmul-batch")
        meant, surprise = t.case("meant"), t.case("surprise")

        # Section: a vector
        # Each section shows only the calls it runs: the operands' shapes are on their badges.
        self._code([mm_v.code, mat_v.code])
        left = self._operands(mm_v)
        card = self._error(mm_v, left)
        self.step("mm-vector", f"torch.mm multiplies 2-D matrices only: given the "
                               f"{len(mm_v.b.shape)}-D {mm_v.b.name}, it raises an error.")
        self.point_at(mm_v.code)
        self.play(FadeIn(left), run_time=0.6)
        self.play(FadeIn(card, shift=UP * 0.2), run_time=0.5)

        self.step("matmul-vector", f"torch.matmul treats {mat_v.b.name} as a column, "
                                   f"then drops that added 1: the result is "
                                   f"{mat_v.result.size_text if mat_v.result else ''}.")
        self.point_at(mat_v.code)
        assert mat_v.result is not None
        result = TensorGrid(mat_v.result, self.theme, self.theme.result, cell_width=CELL_WIDTH)
        self._derive(mat_v, card, result)

        # Section: batches
        self.step("mm-batch", f"With {len(mm_b.a.shape)}-D and {len(mm_b.b.shape)}-D "
                              f"inputs torch.mm refuses again.")
        self._curtain()
        self._code([mm_b.code, mat_b.code])
        left = self._operands(mm_b, unit=0.22)
        card = self._error(mm_b, left)
        self.point_at(mm_b.code)
        self.play(FadeIn(left), run_time=0.6)
        self.play(FadeIn(card, shift=UP * 0.2), run_time=0.5)

        self.step("matmul-batch", "torch.matmul multiplies the last two dimensions and "
                                  "broadcasts the rest, one dimension at a time.")
        self.point_at(mat_b.code)
        assert mat_b.result is not None
        block = ShapeBlock(mat_b.result, self.theme, self.theme.result)
        self._derive(mat_b, card, block)

        # Section: the surprise
        self._surprise(meant, surprise)

        self.closing(
            "torch.mm is strict, torch.matmul broadcasts",
            ["torch.mm: 2-D matrices only, else an error",
             f"matmul: {_tuple_of(mat_b.a.shape)} @ {_tuple_of(mat_b.b.shape)} → "
             f"{_tuple(mat_b.result)}",
             f"order matters: {_tuple(surprise.result)}, not {_tuple(meant.result)}, "
             f"no error"],
            "In short: matmul is flexible, so check the shape of what it returns.",
        )

    # Helpers

    def _code(self, lines: list[str]) -> None:
        """Replace the code panel: each section runs different code."""
        if self.code is not None:
            self.remove(self.code)
            if self.code_mark is not None:
                self.remove(self.code_mark)
            self.code = self.code_mark = None
        self.show_code(lines)

    def _curtain(self) -> None:
        """Clear the band between code and caption with one fade (cheap in Manim)."""
        keep = (self.caption_bar,)
        gone = [m for m in self.mobjects if m not in keep]
        curtain = Rectangle(width=config.frame_width + 1, height=config.frame_height + 1,
                            stroke_width=0, fill_color=self.theme.background, fill_opacity=1)
        self.play(FadeIn(curtain), run_time=0.4)
        self.remove(*gone, curtain)
        self.code = self.code_mark = None
        if self.caption_bar is not None:
            self.bring_to_front(self.caption_bar)

    def _band(self) -> tuple[float, float]:
        """Top and bottom of the free band between code panel and caption bar."""
        assert self.code is not None
        return self.code.get_bottom()[1] - 0.25, -4.0 + 0.2 + 1.02 + 0.25

    def _operands(self, case: MatmulCase, unit: float = 0.3) -> VGroup:
        th = self.theme
        a = ShapeBlock(case.a, th, th.operand_a, unit=unit)
        b = ShapeBlock(case.b, th, th.operand_b, unit=unit)
        at = mono("@", th, th.title_size, th.text)
        group = VGroup(a, at, b).arrange(RIGHT, buff=0.35)
        at.set_y(a.front.get_y())
        b.shift(UP * (a.front.get_y() - b.front.get_y()))
        top, _ = self._band()
        group.move_to((0.0, top - group.height / 2, 0.0))
        return group

    def _error(self, case: MatmulCase, left: VGroup) -> VGroup:
        assert case.error is not None
        card = ErrorCard(case.error, self.theme, width=8.0)
        card.next_to(left, DOWN, buff=0.25).set_x(0)
        return card

    def _derive(self, case: MatmulCase, card: VGroup, result: TensorGrid | ShapeBlock) -> None:
        """Swap the error for the dimension table, rows one by one, then the result."""
        th = self.theme
        table = DimTable(case, th)
        below = VGroup(table, result).arrange(RIGHT, buff=0.7, aligned_edge=UP)
        below.next_to(card.get_top(), DOWN, buff=0).set_x(0)
        self.remove(card)
        self.play(FadeIn(table.header), FadeIn(table.submobjects[1]), run_time=0.4)
        for row in table.rows:
            self.play(FadeIn(row, shift=RIGHT * 0.15), run_time=0.35)
        self.play(FadeIn(result), run_time=0.5)
        self.play(Create(SurroundingRectangle(result.badge, color=th.result, buff=0.06,
                                              stroke_width=5)), run_time=0.4)

    def _product_row(self, case: MatmulCase, result: VGroup, front: VGroup) -> VGroup:
        """``a @ b = result`` on one line, lined up on the operands' front faces."""
        th = self.theme
        a = ShapeBlock(case.a, th, th.operand_a if case.a.name == "features" else th.operand_b)
        b = ShapeBlock(case.b, th, th.operand_a if case.b.name == "features" else th.operand_b)
        at = mono("@", th, th.title_size, th.text)
        eq = mono("=", th, th.title_size, th.text)
        row = VGroup(a, at, b, eq, result).arrange(RIGHT, buff=0.3)
        y = a.front.get_y()
        for block in (b,):
            block.shift(UP * (y - block.front.get_y()))
        result.shift(UP * (y - front.get_y()))
        at.set_y(y)
        eq.set_y(y)
        return row

    def _surprise(self, meant: MatmulCase, surprise: MatmulCase) -> None:
        th = self.theme
        assert meant.result is not None and surprise.result is not None
        self.step("meant", f"features times the column gives the {_tuple(meant.result)} "
                           f"result we meant.")
        self._curtain()
        self._code([meant.code, surprise.code])
        good = TensorGrid(meant.result, th, th.result, cell_width=CELL_WIDTH)
        good.name_label.become(VGroup(*(mono(line, th, th.small_size + 2, th.result)
                                        for line in _code_name(meant.result.name)))
                               .arrange(DOWN, aligned_edge=LEFT, buff=0.06)
                               .next_to(good.cells, UP, buff=0.15))
        row = self._product_row(meant, good, good.cells)
        top, _ = self._band()
        row.move_to((0.0, top - row.height / 2, 0.0))
        verdict_ok = label(f"✓ {_tuple(meant.result)}: the result we meant", th, th.body_size,
                           th.result)
        verdict_ok.next_to(row, DOWN, buff=0.3).set_x(0)

        self.point_at(meant.code)
        self.play(FadeIn(row[:3]), run_time=0.6)
        self.play(FadeIn(row[3:]), FadeIn(verdict_ok), run_time=0.5)

        self.step("surprise", f"Swap the order and torch.matmul silently returns a "
                              f"{_tuple(surprise.result)} outer product: no error, "
                              f"wrong shape.")
        self.point_at(surprise.code)
        bad = ShapeBlock(surprise.result, th, th.error)
        row2 = self._product_row(surprise, bad, bad.front)
        row2.move_to(row)
        warning = label(f"✗ got {_tuple(surprise.result)}, not {_tuple(meant.result)}, "
                        f"and no error was raised", th, th.body_size, th.error, weight="BOLD")
        warning.next_to(row2, DOWN, buff=0.3).set_x(0)
        self.remove(*row, verdict_ok)
        a, b = row[0], row[2]
        a2, b2 = row2[0], row2[2]
        assert isinstance(a, ShapeBlock) and isinstance(b, ShapeBlock)
        assert isinstance(a2, ShapeBlock) and isinstance(b2, ShapeBlock)
        # The operands trade places: the same two tensors, in the other order.
        self.play(TransformFromCopy(a.front, b2.front), TransformFromCopy(b.front, a2.front),
                  FadeIn(VGroup(a2.name_label, a2.badge, a2.slices, b2.name_label, b2.badge,
                                b2.slices, row2[1])), run_time=0.8)
        self.play(FadeIn(row2[3]), FadeIn(bad), run_time=0.5)
        self.play(FadeIn(warning, shift=UP * 0.1),
                  Create(SurroundingRectangle(bad.badge, color=th.error, buff=0.06,
                                              stroke_width=5)), run_time=0.6)


def _tuple_of(shape: tuple[int, ...]) -> str:
    """A shape as Python writes the tuple: ``(3,)``, ``(2, 5, 3, 2)``."""
    return str(tuple(shape))


def _tuple(facts: TensorFacts | None) -> str:
    return _tuple_of(facts.shape) if facts is not None else "?"
