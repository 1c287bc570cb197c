"""Clip 10: ``torch.from_numpy`` and ``.numpy()`` share one buffer; ``b.mul_`` changes ``a`` too."""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, UP, Animation, Create, FadeIn, VGroup, VMobject

from core.memory import NumpyBridgeTrace
from scenes.base import TraceScene
from scenes.components.buffer_marker import BufferMarker
from scenes.components.storage_strip import StorageStrip, cell_width_for, change_value
from scenes.components.stride_arrows import StrideArrows, stride_badge
from scenes.components.tensor_grid import Cell, TensorGrid
from scenes.components.text import label, mono

__all__ = ["NumpyBridge"]

LEFT_X, RIGHT_X = -6.9, 0.25
CELL_HEIGHT = 0.4


class NumpyBridge(TraceScene[NumpyBridgeTrace]):
    """One buffer seen as a NumPy array and as a tensor: two storage objects, equal addresses,
    shared changes."""

    clip_id = "numpy-bridge"
    trace_type = NumpyBridgeTrace

    def construct(self) -> None:
        t = self.trace
        th = self.theme
        ops = t.program.ops
        self.show_program(t.program)
        assert self.code is not None
        self.top = self.code.get_bottom()[1] - 0.2
        width = cell_width_for(th, *t.tensor.storage_printed, *t.tensor_after.storage_printed)
        # The strip is the memory block itself: NumPy's array and torch's storage both map it.
        self.strip = StorageStrip(t.tensor, th, cell_width=width,
                                  title=f"buffer\n{t.tensor.buffer}")
        self.strip.shift((-6.6 - self.strip.get_left()[0]) * RIGHT
                         + (-1.5 - self.strip.cells.get_y()) * UP)

        # Section: the NumPy array
        self.a = self._array()
        self.a_address = self._address(f"a data at {t.array_address:#x}", self.a.cells)
        self.step("numpy", f"a is a NumPy {t.numpy_dtype} array: its values live in one "
                           f"buffer at the address NumPy reports.")
        self.point_at_span(ops[t.array_op].span)
        self.play(FadeIn(self.a), FadeIn(self.a_address), FadeIn(self.strip), run_time=1.0)

        # Section: torch.from_numpy
        self.b = TensorGrid(t.tensor, th, th.operand_b, cell_width=width, cell_height=CELL_HEIGHT)
        self.b_stride = stride_badge(t.tensor, th)
        self._place(self.b, VGroup(self.b.name_label, self.b.badge, self.b_stride), RIGHT_X)
        self.b.add(self.b_stride)
        self.b_address = self._address(f"b.data_ptr() = {t.tensor_address:#x}", self.b.cells)
        self.b_arrows = StrideArrows(self.b, self.strip, th, th.operand_b)
        self.marker = BufferMarker(t.shares_buffer, t.shares_storage, t.tensor.buffer,
                                   (t.array.storage, t.tensor.storage), th)
        # Right of the buffer it describes, clear of the addresses above the grids.
        self.marker.next_to(self.strip.cells, RIGHT, buff=0.12)
        equal = "the same address" if t.shares_buffer else "a different address"
        kept = "nothing is copied" if t.shares_buffer else "the values are copied"
        self.step("from-numpy", f"{t.tensor.code}: a new storage object {t.tensor.storage} "
                                f"over {equal}, buffer {t.tensor.buffer}: {kept}.")
        self.point_at_span(ops[t.from_numpy_op].span)
        self.play(FadeIn(self.b), FadeIn(self.b_address), run_time=0.8)
        self.play(self.b_arrows.grow(), FadeIn(self.marker), run_time=1.0)

        # Section: .numpy() back
        same_back = "the same" if t.back_shares_buffer else "a different"
        self.step("numpy-back", f"{t.back.code} goes the other way and reports {same_back} "
                                f"address again.")
        self.point_at_span(ops[t.back_op].span)
        self.c_address = self._address(f"c data at {t.back_address:#x}", self.a.cells,
                                       below=True)
        self.play(FadeIn(self.c_address, shift=DOWN * 0.1), run_time=0.6)

        # Section: an in-place change
        self.step("mul", f"{t.change_code} works in place on the shared buffer, so the NumPy "
                         f"array {t.array.name} changes too.")
        self.point_at_span(ops[t.change_op].span)
        anims: list[Animation] = []
        lit: list[VMobject] = []
        for k in range(len(self.a.cells)):
            anims += self._change(self.a, k, t.array_printed_after[k])
            anims += self._change(self.b, k, t.tensor_after.printed[k])
        for i, text in enumerate(t.tensor_after.storage_printed):
            anims += change_value(self.strip.cell(i), text, th)
        lit += [self.a.cells, self.b.cells, self.strip.cells]
        frames = VGroup(*(self.b.highlight(m) for m in lit))
        self.play(*anims, Create(frames), run_time=1.4)

        self.closing(
            "NumPy and torch sharing one buffer",
            [f"{ops[t.from_numpy_op].code} and {ops[t.back_op].code}: {_same(t.shares_buffer)} "
             f"buffer {t.tensor.buffer} under "
             f"{'one storage' if t.shares_storage else 'two storage objects'}, no copy",
             f"{t.change_code} changed the NumPy array {t.array.name} as well",
             "copy first (b.clone(), a.copy()) when the two must stay independent"],
            "In short: from_numpy and .numpy() share memory, so in-place changes show in both.",
        )

    def _array(self) -> TensorGrid:
        """The NumPy array: a grid of its values as NumPy prints them."""
        t = self.trace
        th = self.theme
        # NumPy prints 8 decimals: cells a little narrower than the text at cell size, which
        # keeps the values at about 22 points, over the 20-point floor.
        width = 0.92 * cell_width_for(th, *t.array_printed, *t.array_printed_after)
        # b's facts give the layout (one buffer, one shape); the values are NumPy's own text.
        grid = TensorGrid(t.tensor, th, th.operand_a, name="a", cell_width=width,
                          cell_height=CELL_HEIGHT, show_badge=False)
        for k, cell in enumerate(grid.cells):
            assert isinstance(cell, Cell)
            change_value(cell, t.array_printed[k], th)
        kind = label(f"ndarray {t.numpy_dtype}", th, th.small_size, th.text)
        self._place(grid, VGroup(grid.name_label, kind), LEFT_X)
        grid.add(kind)
        self.a_kind = kind
        return grid

    def _place(self, grid: TensorGrid, line: VGroup, x: float) -> None:
        line.arrange(RIGHT, buff=0.25)
        line.move_to((x + line.width / 2, self.top - line.height / 2, 0.0))
        grid.cells.next_to(line, DOWN, buff=0.5).align_to(line, LEFT)

    def _address(self, text: str, anchor: VMobject, below: bool = False) -> VMobject:
        """An address line right above a grid's cells (or below ``anchor``)."""
        words = mono(text, self.theme, self.theme.small_size, self.theme.text)
        words.next_to(anchor, DOWN if below else UP, buff=0.12).align_to(anchor, LEFT)
        return words

    def _change(self, grid: TensorGrid, k: int, text: str | None) -> list[Animation]:
        cell = grid.cells[k]
        assert isinstance(cell, Cell)
        return change_value(cell, text, self.theme)


def _same(shared: bool) -> str:
    return "one" if shared else "separate"
