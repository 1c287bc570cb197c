"""The stage: bands for code, work, storage and caption, and every tensor placed by its TensorRef.

Visuals never use coordinates of their own: they ask the stage where a tensor, a storage cell or
a note goes. Each element of a tensor is one :class:`~scenes.components.tensor_grid.Cell` for
its whole life on stage: a view takes over its input's cells and moves them (:meth:`Stage.adopt`)
instead of fading a new grid over the old one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Arrow,
    DashedVMobject,
    FadeIn,
    FadeOut,
    Line,
    Mobject,
    Rectangle,
    SurroundingRectangle,
    Transform,
    VGroup,
    config,
)

from core.lesson import preferred_slot
from core.model import OpKind, OpRecord, ProgramTrace, TensorFacts, TensorRef, logical_indices
from scenes.components.code_line import CodeLine
from scenes.components.glide import Glide, Scroll, SlideOut
from scenes.components.storage_strip import StorageStrip, cell_width_for
from scenes.components.tensor_grid import Cell, size_badge
from scenes.components.text import label, mono, wrapped
from scenes.theme import Theme

__all__ = [
    "MARGIN",
    "MAX_FIGURES",
    "MAX_STRIPS",
    "MEMORY_KINDS",
    "Bands",
    "Figure",
    "Stage",
    "safe_area",
    "tensor_colors",
    "tensor_hues",
]

# 32 px of an 854x480 frame, in scene units: nothing is drawn outside this margin.
MARGIN = 32 * 8.0 / 480
MAX_FIGURES = 4
MAX_STRIPS = 2
GAP = 0.15  # between bands
FIGURE_GAP = 0.4  # between figures in the work band
MIN_GAP = 0.2  # ... and at the least, rather than shrinking them
LINE_GAP = 0.2  # between lines of figures
CAPTION_HEIGHT = 0.95  # two lines at caption size
CODE_SIZE_LINES = 4  # the code window shows at most this many lines; it scrolls
MIN_CODE_LINES = 2  # and at least the active line and the one before it
STRIP_HEIGHT = 1.3  # a storage strip of 0.42-high cells with its index and byte rows
ARROW_ROOM = 0.45  # under the figures, for arrows down to a storage strip
GHOST_OPACITY = 0.35
# A tensor of more elements than this is drawn as a shape picture: its cells, no values (at a
# size that fits the frame they could not be read; the trace JSON and --text keep them).
VALUE_LIMIT = 16
STRIP_GAP = 0.4
# Kept free at the work band's sides: a highlight frame reaches this far outside a cell.
HIGHLIGHT_ROOM = 0.06
# A note squeezed below this share of its size beside the code goes under the tensors instead.
NOTE_FIT = 0.85
COLUMN_LANE = 0.09  # between the lanes beside a column that arrows to storage run down


# Op kinds whose visual draws storage: a statement with none of them lets the strips go.
MEMORY_KINDS = frozenset({OpKind.LAYOUT, OpKind.COPY, OpKind.WRITE, OpKind.RESIZE,
                          OpKind.BRIDGE, OpKind.QUERY})


def safe_area() -> tuple[float, float, float, float]:
    """(left, bottom, right, top) of the frame inside the 32 px margin."""
    half_w, half_h = config.frame_width / 2, config.frame_height / 2
    return -half_w + MARGIN, -half_h + MARGIN, half_w - MARGIN, half_h - MARGIN


def tensor_hues(theme: Theme) -> tuple[str, ...]:
    """The colours tensors are drawn in, in order: all far from the theme's highlight.

    The theme's orange sits next to its highlight yellow (and its vermillion means "error"),
    so tensors use blue, green, purple, the neutral text colour, violet and rose.
    """
    return (theme.operand_a, theme.result, theme.shared, theme.text, theme.violet, theme.rose)


def tensor_colors(trace: ProgramTrace, theme: Theme) -> dict[str, str]:
    """One colour per tensor name: the lesson's slot for the name (the same in every clip of
    the lesson), else a slot picked by the name, the next free one on a clash in this clip.
    Unnamed values are muted (names and labels always say which tensor is which)."""
    hues = tensor_hues(theme)
    colors: dict[str, str] = {}
    used: set[int] = set()
    lesson = dict(trace.palette)
    named = [t.name for t in trace.tensors if is_named(t.ref)]
    for name in dict.fromkeys(n for n in named if n in lesson):
        colors[name] = hues[lesson[name] % len(hues)]
        used.add(lesson[name] % len(hues))
    for name in dict.fromkeys(n for n in named if n not in colors):
        slot = preferred_slot(name) % len(hues)
        for step in range(len(hues)):
            if (slot + step) % len(hues) not in used:
                slot = (slot + step) % len(hues)
                break
        used.add(slot)
        colors[name] = hues[slot]
    for tensor in trace.tensors:
        colors.setdefault(tensor.name, theme.muted)
    return colors


def is_named(ref: TensorRef) -> bool:
    """True for a tensor the author named; unnamed values are named by their source text."""
    return ref.name.isidentifier()


@dataclass(frozen=True)
class Bands:
    """The y extents of the four bands, top to bottom, and the x extent they all share."""

    left: float
    right: float
    code: tuple[float, float]  # (bottom, top)
    work: tuple[float, float]
    storage: tuple[float, float]
    caption: tuple[float, float]

    @property
    def width(self) -> float:
        return self.right - self.left


def cell_positions(shape: tuple[int, ...], w: float, h: float) -> list[np.ndarray]:
    """Centre of every element (row-major) relative to the first cell's centre.

    0-d: one cell; 1-d: a row; 2-d: rows and columns; more dims: the 2-d slices side by side,
    a gap of a quarter cell between them.
    """
    points: list[np.ndarray] = []
    if len(shape) <= 2:
        rows, cols = (shape[0], shape[1]) if len(shape) == 2 else (1, shape[0] if shape else 1)
        slice_width = 0.0
    else:
        rows, cols = shape[-2], shape[-1]
        slice_width = cols * w + w / 4
    for index in logical_indices(shape):
        if len(shape) <= 1:
            r, c, s = 0, (index[0] if index else 0), 0
        else:
            r, c = index[-2], index[-1]
            s = 0
            for size, i in zip(shape[:-2], index[:-2], strict=True):
                s = s * size + i
        points.append(np.array([s * slice_width + c * w, -r * h, 0.0]))
    del rows, cols
    return points


class Figure(VGroup):
    """One tensor on stage: its cells (row-major), name above, ``torch.Size`` badge below.

    Parts: ``cells``, ``name_label``, ``badge``, ``ghosts`` (stride-0 copies), ``notes`` (text
    under the badge that belongs to this tensor), ``room`` (an invisible box reserving space).
    """

    def __init__(self, facts: TensorFacts, theme: Theme, color: str, w: float, h: float,
                 reserve: tuple[int, ...] | None = None) -> None:
        super().__init__()
        self.facts = facts
        self.ref = facts.ref
        self.theme = theme
        self.hue: str = color
        self.w, self.h = w, h
        self.cells = VGroup()
        self.shape_only = facts.numel > VALUE_LIMIT
        if self.shape_only:
            w = self.w = h  # square cells: a shape picture has no values to make room for
        for text, point in zip(facts.printed, cell_positions(facts.shape, w, h), strict=True):
            cell = Cell(text, theme, w, h, color)
            if self.shape_only:
                cell.remove(cell.value)
            cell.move_to(point)
            self.cells.add(cell)
        self.ghosts = VGroup()
        self.notes = VGroup()
        self.room = VGroup()
        if reserve is not None:
            self.reserve(reserve)
        name_color = color if is_named(facts.ref) else theme.muted
        self.name_label = label(facts.name, theme, theme.body_size, name_color)
        if not is_named(facts.ref):
            self.name_label = mono(facts.name, theme, theme.small_size + 2, name_color)
        if facts.library == "numpy":
            self.badge = size_badge(f"ndarray {tuple(facts.shape)}", theme)
        else:
            self.badge = size_badge(facts.size_text, theme)
        self.header_extra: list[Mobject] = []
        self.add(self.room, self.ghosts, self.cells, self.name_label, self.badge, self.notes)
        self.relabel()

    def reserve(self, shape: tuple[int, ...]) -> None:
        """Keep room for a grid of ``shape`` from the first cell (ghost copies will go there)."""
        points = cell_positions(shape, self.w, self.h)
        first = self.cells[0].get_center()
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        box = Rectangle(width=max(xs) - min(xs) + self.w, height=max(ys) - min(ys) + self.h,
                        stroke_opacity=0, fill_opacity=0)
        box.move_to(first + np.array([(max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2, 0]))
        self.room.add(box)

    def grid_box(self) -> VGroup:
        """The cells and any reserved room: what labels sit above and below."""
        return VGroup(*self.cells, *self.room)

    def relabel(self) -> None:
        """Name, size badge and any stride badge in one line above the cells (the space under
        the cells stays free for arrows down to storage); notes go under the cells."""
        box = self.grid_box()
        header = VGroup(self.name_label, self.badge, *self.header_extra)  # type: ignore[arg-type]
        header.arrange(RIGHT, buff=0.2)
        header.next_to(box, UP, buff=0.12).align_to(box, LEFT)
        if len(self.notes):
            self.notes.arrange(DOWN, aligned_edge=LEFT, buff=0.08)
            self.notes.next_to(box, DOWN, buff=0.12).align_to(box, LEFT)

    def add_to_header(self, mob: Mobject) -> None:
        """Put ``mob`` (a stride badge) at the end of the header line."""
        self.header_extra.append(mob)
        self.add(mob)  # type: ignore[arg-type]
        self.relabel()

    def cell(self, k: int) -> Cell:
        """The cell of element ``k`` (row-major)."""
        cell = self.cells[k]
        assert isinstance(cell, Cell)
        return cell

    def position(self, k: int) -> np.ndarray:
        return np.array(self.cells[k].get_center())


class Stage:
    """Where everything goes: bands, figures by TensorRef, storage strips by storage id.

    The stage keeps at most :data:`MAX_FIGURES` figures and :data:`MAX_STRIPS` strips; when
    another arrives the oldest slides out. Methods that change the picture return animations
    (the visual decides how to play them) and update the stage's records at once.
    """

    def __init__(self, trace: ProgramTrace, theme: Theme) -> None:
        self.trace = trace
        self.theme = theme
        # Values in cells one point above the legibility floor: a row of five long values,
        # a strip under it and the code above fit at 480p without shrinking anything.
        self.cell_theme = replace(theme, cell_size=theme.small_size + 1)
        self.left, self.bottom, self.right, self.top = safe_area()
        self.figures: dict[TensorRef, Figure] = {}
        self.strips: dict[str, StorageStrip] = {}
        self.arrows: dict[TensorRef, VGroup] = {}
        self.extras: list[Mobject] = []  # this step's annotations: the next step clears them
        self.colors = tensor_colors(trace, theme)
        self.highlight = theme.highlight
        texts = [p for t in trace.tensors if t.numel <= VALUE_LIMIT
                 for p in (*t.printed, *t.storage_printed)]
        # Values fill 90% of a cell (Cell shrinks none of them: 0.9 is its own limit).
        self.w = cell_width_for(self.cell_theme, *texts, fill=0.9)
        drawn = self._strip_storages()
        widest = max([len(t.storage_printed) for t in trace.tensors if t.storage in drawn]
                     + [t.shape[-1] if t.shape else 1 for t in trace.tensors
                        if t.numel <= VALUE_LIMIT] + [1])
        # A strip of the widest storage drawn plus its title column must fit the safe width;
        # tensors too big to print (shape pictures) do not narrow everyone's cells.
        self.w = min(self.w, (self.right - self.left - 1.9) / widest)
        self.h = 0.4
        self.code = self._code_panel()
        self.active_line = 0  # the code line being played (0-based); scroll_to moves it
        self._layout_code(self._choose_window())
        self.strip_rows = 1
        self.floor = 0.0  # height kept free at the bottom of the work band (an error card)
        self.marker: Mobject | None = None  # the code panel's ▶ and box (the clip sets it)

    def _strip_storages(self) -> set[str]:
        """Storages a strip may be drawn for: those of the tensors memory ops touch."""
        found: set[str] = set()
        for op in self.trace.ops:
            if op.kind in MEMORY_KINDS and op.error is None:
                for ref in (*op.inputs, *op.outputs):
                    found.add(self.trace.tensor(ref).storage)
        return found

    # Colours

    def color(self, ref: TensorRef | str) -> str:
        name = ref.name if isinstance(ref, TensorRef) else ref
        return self.colors.get(name, self.theme.text)

    # Bands

    def _code_panel(self) -> CodeLine:
        code = CodeLine(self.trace.source, self.theme, max_width=self.right - self.left)
        if len(self.trace.source) > 3:
            # Four lines and more: code text at the legibility floor leaves the tensors room.
            code.lines.scale(self.theme.small_size / self.theme.code_size)
            code.lines.align_to(code.panel, LEFT).shift(RIGHT * 0.6)
        # Where each line sits when the window starts at line 0 (a scroll shifts them all).
        self._line_tops = [float(line.get_top()[1]) for line in code.lines]
        self._line_bottoms = [float(line.get_bottom()[1]) for line in code.lines]
        return code

    def _window_height(self, first: int, count: int) -> float:
        """Height of a panel that shows lines ``first .. first+count-1`` with padding."""
        return self._line_tops[first] - self._line_bottoms[first + count - 1] + 0.3

    def _panel_height(self, count: int) -> float:
        return max(self._window_height(i, count)
                   for i in range(len(self.code.source) - count + 1))

    def _layout_code(self, count: int) -> None:
        """Show ``count`` lines of code (a window that scrolls to the active line)."""
        code = self.code
        self.window = count
        self.first_line = 0
        height = self._panel_height(count)
        code.panel.stretch_to_fit_height(height)
        code.panel.move_to(((self.left + self.right) / 2, self.top - height / 2, 0.0))
        dy = float(code.panel.get_top()[1]) - 0.15 - self._line_tops[0]
        code.lines.shift(UP * dy)
        self._line_tops = [t + dy for t in self._line_tops]
        self._line_bottoms = [b + dy for b in self._line_bottoms]
        for i, line in enumerate(code.lines):
            line.set_opacity(1.0 if i < count else 0.0)
        self._more = self._more_marks()
        code.add(self._more)
        self.panel_bottom = float(code.panel.get_bottom()[1])

    def _more_marks(self) -> VGroup:
        """Muted ⋮ marks at the panel's right edge: lines hidden above or below the window."""
        th = self.theme
        panel = self.code.panel
        up = mono("⋮", th, th.small_size, th.muted)
        # Side by side as well as top and bottom: a one-line window has room for both.
        up.move_to(panel.get_corner(UP + RIGHT) + np.array([-0.33, -0.22, 0.0]))
        down = up.copy().move_to(panel.get_corner(DOWN + RIGHT) + np.array([-0.15, 0.22, 0.0]))
        up.set_opacity(0.0)
        down.set_opacity(1.0 if self.window < len(self.code.source) else 0.0)
        return VGroup(up, down)

    def scroll_to(self, line: int) -> tuple[float, list[Any]]:
        """Bring 0-based ``line`` into the code window: the shift of the lines and the
        animations that slide them (lines leaving the window fade, lines entering appear)."""
        total = len(self.code.source)
        first = self.first_line
        self.active_line = line
        if first <= line < first + self.window:
            return 0.0, []
        # The active line second from the top: one line of what came before stays in view.
        new_first = max(0, min(line - 1, total - self.window))
        dy = self._line_tops[first] - self._line_tops[new_first]
        self.first_line = new_first
        # Lines fade by where they are, so none is drawn over the panel's edges.
        anims: list[Any] = [Scroll(self.code.lines, UP * dy, first, new_first - first,
                                   self.window)]
        up, down = self._more
        anims.append(up.animate.set_opacity(1.0 if new_first > 0 else 0.0))
        anims.append(down.animate.set_opacity(
            1.0 if new_first + self.window < total else 0.0))
        self._line_tops = [t + dy for t in self._line_tops]
        self._line_bottoms = [b + dy for b in self._line_bottoms]
        return dy, anims

    def shrink_code(self, needed: float) -> list[Any]:
        """Show fewer code lines (down to :data:`MIN_CODE_LINES`) so the work band gains
        ``needed`` of height; the panel's top and the lines stay where they are, the window
        keeps the active line. Returns the animations (the bands change at once)."""
        total = len(self.code.source)
        count = self.window
        height = self._panel_height(count)
        while count > min(total, MIN_CODE_LINES) and height - self._panel_height(count) < needed:
            count -= 1
        if count == self.window:
            return []
        first = self.first_line
        if self.active_line >= first + count:
            first = self.active_line - count + 1
        dy = self._line_tops[self.first_line] - self._line_tops[first]
        self.window, self.first_line = count, first
        panel = self.code.panel
        new_height = self._panel_height(count)
        top = float(panel.get_top()[1])
        target = panel.copy().stretch_to_fit_height(new_height)
        target.move_to(((self.left + self.right) / 2, top - new_height / 2, 0.0))
        self.panel_bottom = top - new_height
        anims: list[Any] = [Transform(panel, target)]
        for i, line in enumerate(self.code.lines):
            shown = first <= i < first + count
            anims.append(line.animate.shift(UP * dy).set_opacity(1.0 if shown else 0.0))
        self._line_tops = [t + dy for t in self._line_tops]
        self._line_bottoms = [b + dy for b in self._line_bottoms]
        up, down = self._more
        anims.append(up.animate.set_opacity(1.0 if first > 0 else 0.0))
        anims.append(down.animate.move_to(
            np.array([float(down.get_x()), self.panel_bottom + 0.22, 0.0])).set_opacity(
            1.0 if first + count < total else 0.0))
        if self.marker is not None and abs(dy) > 1e-6:
            anims.append(self.marker.animate.shift(UP * dy))
        return anims

    def _need(self, count: int) -> float:
        """Work and storage height the trace's tallest moment asks for, minus what the bands
        leave when the code window shows ``count`` lines (> 0: it does not fit)."""
        caption = CAPTION_HEIGHT + 3 * GAP
        code = self._panel_height(count)
        rows = max((t.shape[-2] if len(t.shape) >= 2 else 1) for t in self.trace.tensors)
        tallest = 0.5 + rows * self.h
        memory = any(op.kind in MEMORY_KINDS for op in self.trace.ops)
        strip = (STRIP_HEIGHT * self.h / 0.42 + 0.36 + ARROW_ROOM) if memory else 0.0
        return caption + code + tallest + strip - (self.top - self.bottom)

    def _choose_window(self) -> int:
        """As many code lines as leave the tallest figure and its storage strip room, from
        :data:`CODE_SIZE_LINES` down to :data:`MIN_CODE_LINES` (a short program shows whole)."""
        total = len(self.code.source)
        count = min(total, CODE_SIZE_LINES)
        while count > min(total, MIN_CODE_LINES) and self._need(count) > 0:
            count -= 1
        return count

    def bands(self) -> Bands:
        """The bands for the strips now on stage (stacked strips take more of the work band)."""
        caption = (self.bottom, self.bottom + CAPTION_HEIGHT)
        code = (self.panel_bottom, self.top)
        # A strip, and the read-order numbers above its cells.
        strip_height = max((st.height for st in self.strips.values()), default=0.0) + 0.36
        rows = self.strip_rows if self.strips else 0
        storage_top = caption[1] + GAP + rows * strip_height
        storage = (caption[1] + GAP, storage_top)
        work = (storage_top + (GAP if rows else 0.0) + self.floor, code[0] - GAP)
        return Bands(self.left, self.right, code, work, storage, caption)

    # Figures

    def figure(self, ref: TensorRef) -> Figure | None:
        """The figure drawing ``ref``, or an older version of the same name still on stage."""
        if ref in self.figures:
            return self.figures[ref]
        same = [f for r, f in self.figures.items() if r.name == ref.name]
        return same[-1] if same else None

    def rekey(self, old: TensorRef, new: TensorRef, facts: TensorFacts) -> None:
        """A figure now draws a newer version of its tensor (an in-place change)."""
        figure = self.figures.pop(old)
        figure.ref, figure.facts = new, facts
        self.figures[new] = figure
        if old in self.arrows:
            self.arrows[new] = self.arrows.pop(old)

    def make_figure(self, facts: TensorFacts, reserve: tuple[int, ...] | None = None) -> Figure:
        return Figure(facts, self.cell_theme, self.color(facts.ref), self.w, self.h, reserve)

    def arrange(self, new: Sequence[Figure] = (), keep: Iterable[TensorRef] = (),
                drop: Iterable[TensorRef] = (), badges: Iterable[TensorRef] = (),
                before: TensorRef | None = None) -> list[Any]:
        """Lay out the figures on stage plus ``new`` in one centred row of the work band.

        Figures not in ``keep`` leave, oldest first, while there are more than
        :data:`MAX_FIGURES` or the row is wider than the band; ``drop`` leave at once. New
        figures are moved to their places (they are not on screen yet); figures already on
        stage get move animations; leaving figures slide out to the left. New figures go at
        the end of the row, or in front of ``before``.
        """
        keep = set(keep) | {f.ref for f in new}
        badges = set(badges)
        anims: list[Any] = []
        for ref in list(drop):
            if ref in self.figures:
                anims += self._leave(ref)
        b = self.bands()
        # A highlight frame drawn round an edge cell stays inside the safe area too.
        usable = b.width - 2 * HIGHLIGHT_ROOM
        order = list(self.figures.values())
        # New figures go last, or ``before`` a figure (a tensor redrawn keeps its place).
        at = next((i for i, f in enumerate(order) if f.ref == before), len(order))
        order[at:at] = list(new)

        # Each figure's width and height, measured once: Manim walks every point to measure,
        # and the packing below asks many times. Forgotten when a figure changes.
        sizes: dict[int, tuple[float, float]] = {}

        def size(f: Figure) -> tuple[float, float]:
            if id(f) not in sizes:
                sizes[id(f)] = (float(f.width), float(f.height))
            return sizes[id(f)]

        def gap(figs: list[Figure]) -> float:
            """FIGURE_GAP, or less (down to MIN_GAP) when that keeps a line at full size."""
            if len(figs) < 2:
                return FIGURE_GAP
            spare = (usable - sum(size(f)[0] for f in figs)) / (len(figs) - 1)
            return max(MIN_GAP, min(FIGURE_GAP, spare))

        def width(figs: list[Figure]) -> float:
            return sum(size(f)[0] for f in figs) + gap(figs) * max(0, len(figs) - 1)

        if width(order) > usable:
            # Stride badges belong to the layout step that showed them; when the row is too
            # wide they go first, before any tensor leaves or shrinks (but not ``badges``:
            # those of the tensor whose layout this step shows).
            for figure in order:
                if figure.header_extra and figure not in new and figure.ref not in badges:
                    anims += [FadeOut(m) for m in figure.header_extra]
                    figure.remove(*figure.header_extra)
                    figure.header_extra.clear()
                    sizes.pop(id(figure), None)
        room = (b.work[1] - b.work[0]) - (ARROW_ROOM if self.strips else 0.0)

        def lines_of(figs: list[Figure]) -> list[list[Figure]]:
            """Figures in reading order, packed into lines of the band's width. With a strip
            on stage there is one line: arrows run down from it to storage."""
            if self.strips:
                return [figs] if figs else []
            lines: list[list[Figure]] = []
            for figure in figs:
                if lines and width([*lines[-1], figure]) <= usable:
                    lines[-1].append(figure)
                else:
                    lines.append([figure])
            return lines

        def fits(figs: list[Figure]) -> bool:
            lines = lines_of(figs)
            tall = sum(max(size(f)[1] for f in line) for line in lines)
            tall += LINE_GAP * max(0, len(lines) - 1)
            return all(width(line) <= usable for line in lines) and tall <= room + 0.05

        def short_of(figs: list[Figure]) -> float:
            lines = lines_of(figs)
            return (sum(max(size(f)[1] for f in line) for line in lines)
                    + LINE_GAP * max(0, len(lines) - 1)) - room

        while len(order) > MAX_FIGURES:
            leaving = next((f for f in order if f.ref not in keep), None)
            if leaving is None:
                break
            order.remove(leaving)
            anims += self._leave(leaving.ref)
        if order and short_of(order) > 0.01:
            # Fewer code lines before fewer or smaller tensors: text in cells stays legible.
            anims += self.shrink_code(short_of(order))
            b = self.bands()
            room = (b.work[1] - b.work[0]) - (ARROW_ROOM if self.strips else 0.0)
        while not fits(order) and len(order) > 1:
            leaving = next((f for f in order if f.ref not in keep), None)
            if leaving is None:
                break
            order.remove(leaving)
            anims += self._leave(leaving.ref)
        lines = lines_of(order)
        heights = [max(size(f)[1] for f in line) for line in lines]
        total_height = sum(heights) + LINE_GAP * max(0, len(lines) - 1)
        widest = max((width(line) for line in lines), default=0.0)
        tall = room / total_height if total_height else 1.0
        if tall > 0.92 and self.strips:
            # A few hundredths too tall comes out of the arrows' room: shrinking would make
            # grid cells narrower than storage cells, and shrink again at every layout.
            tall = 1.0
        scale = min(1.0, usable / widest if widest else 1.0, tall)
        # Under a strip's arrows the figures hang from the top; else they are centred.
        slack = 0.0 if self.strips else max(0.0, (room - total_height * scale) / 2)
        top = b.work[1] - slack
        for line, line_height in zip(lines, heights, strict=True):
            x = (b.left + b.right) / 2 - width(line) * scale / 2
            between = gap(line)
            for figure in line:
                left, high, wide = _scaled_box(figure, scale, size(figure)[0])
                shift = np.array([x - left, top - high, 0.0])
                x += wide + between * scale
                if figure in new:
                    if scale < 1.0:
                        figure.scale(scale)
                    figure.shift(shift)
                    self.figures[figure.ref] = figure
                elif np.linalg.norm(shift) > 0.03 or scale < 1.0:
                    if scale < 1.0:
                        anims.append(Glide(figure, shift, scale))
                    else:
                        anims.append(Glide(figure, shift))
                    for arrows in self._attached(figure.ref):
                        anims.append(SlideOut(arrows))
            top -= (line_height + LINE_GAP) * scale
        # The records keep the row's order: the next layout never swaps two figures.
        self.figures = {f.ref: f for f in order} | {
            r: f for r, f in self.figures.items() if f not in order}
        return anims

    def note_box(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) of the note area: the code panel right of the code.

        Equations, console answers and one-line notes are written there, beside the code that
        made them, so the work band keeps its height for tensors and arrows.
        """
        panel = self.code.panel
        shown = self.code.lines[self.first_line:self.first_line + self.window]
        left = max(float(line.get_right()[0]) for line in shown) + 0.5
        # The right edge keeps a column for the ⋮ marks of code hidden above or below.
        return (left, float(panel.get_bottom()[1]) + 0.06, float(panel.get_right()[0]) - 0.5,
                float(panel.get_top()[1]) - 0.06)

    def place_note(self, mob: Mobject) -> Mobject:
        """Fit ``mob`` into the note area, right-aligned, vertically centred.

        Where the code leaves the note area too narrow to write ``mob`` near full size, and no
        strip's arrows run under the tensors, it goes under the tensors in the work band
        instead, centred: an equation is read there, not squeezed beside long code.
        """
        left, bottom, right, top = self.note_box()
        fit = min(1.0, (right - left) / max(mob.width, 1e-6),
                  (top - bottom) / max(mob.height, 1e-6))
        if fit < NOTE_FIT and self.place_under(mob):
            return mob
        if mob.width > right - left:
            mob.scale_to_fit_width(right - left)
        if mob.height > top - bottom:
            mob.scale_to_fit_height(top - bottom)
        mob.move_to(((left + right) / 2, (bottom + top) / 2, 0.0)).align_to(
            np.array([right, 0.0, 0.0]), RIGHT)
        return mob

    def place_under(self, mob: Mobject) -> bool:
        """Put ``mob`` centred under the tensors in the work band, if it fits there at full
        size and no strip's arrows run under them; say whether it did."""
        if self.strips:
            return False
        b = self.bands()
        lowest = min((float(f.get_bottom()[1]) for f in self.figures.values()),
                     default=b.work[1])
        room = lowest - 0.15 - b.work[0]
        if mob.height > room or mob.width > b.width:
            return False
        mob.move_to(((b.left + b.right) / 2, lowest - 0.15 - mob.height / 2, 0.0))
        return True

    def note(self, text: str, color: str | None = None, *, monospace: bool = True) -> Mobject:
        """A note for the note area, in up to two lines."""
        left, _, right, _ = self.note_box()
        words = wrapped(text, self.theme, right - left, self.theme.small_size + 2,
                        color or self.theme.text, monospace=monospace)
        return self.place_note(words)

    def _attached(self, ref: TensorRef) -> list[VGroup]:
        arrows = self.arrows.pop(ref, None)
        return [arrows] if arrows is not None else []

    def _leave(self, ref: TensorRef) -> list[Any]:
        figure = self.figures.pop(ref)
        anims: list[Any] = [SlideOut(figure, LEFT * 1.5)]
        anims += [SlideOut(a) for a in self._attached(ref)]
        return anims

    def swap_figure(self, old: TensorRef, figure: Figure) -> None:
        """``figure`` (placed by the caller) takes the place of ``old`` in the row."""
        self._attached(old)
        self.figures = {(figure.ref if r == old else r): (figure if r == old else f)
                        for r, f in self.figures.items()}

    def remove_figure(self, ref: TensorRef) -> Figure:
        """Forget a figure without animating (its cells now belong to another figure)."""
        self._attached(ref)
        return self.figures.pop(ref)

    # Storage

    def strip(self, storage: str) -> StorageStrip | None:
        return self.strips.get(storage)

    def show_strip(self, facts: TensorFacts, keep: Iterable[TensorRef] = (),
                   badges: Iterable[TensorRef] = ()) -> tuple[StorageStrip, list[Any]]:
        """The strip of ``facts.storage`` (made and placed if new) and the animations that
        bring it and the re-laid-out bands in; figures in ``keep`` stay on stage."""
        if facts.storage in self.strips:
            return self.strips[facts.storage], []
        anims: list[Any] = []
        # "not reached" is resize_'s story (its visual draws it); here the strip is the memory
        # every tensor of this storage reads, so no cell is marked.
        strip = StorageStrip(replace(facts, unreachable=()), self.cell_theme, cell_width=self.w,
                             cell_height=self.h)
        strip.cells.set_stroke(self.color(facts.ref) if is_named(facts.ref) else self.theme.muted)
        # Strips share one row: two stacked would leave the tensors no room. The oldest
        # slides out while the row is full.
        while self.strips and (len(self.strips) >= MAX_STRIPS or sum(
                st.width + STRIP_GAP for st in self.strips.values()) + strip.width
                > self.right - self.left):
            oldest = next(iter(self.strips))
            anims.append(SlideOut(self.strips.pop(oldest), LEFT * 1.5))
            for ref in [r for r, f in self.figures.items() if f.facts.storage == oldest]:
                anims += [SlideOut(a) for a in self._attached(ref)]
        self.strips[facts.storage] = strip
        anims += self._place_strips(new=strip)
        anims += self.arrange(keep=keep, badges=badges)
        return strip, anims

    def drop_strips(self) -> list[Any]:
        """Every strip leaves (with the arrows into it): the next statements are not about
        memory, and the tensors get the height back."""
        anims: list[Any] = []
        for storage in list(self.strips):
            anims.append(SlideOut(self.strips.pop(storage), DOWN * 0.5))
            for ref in [r for r, f in self.figures.items() if f.facts.storage == storage]:
                anims += [SlideOut(a) for a in self._attached(ref)]
        self.strip_rows = 1
        return anims + self.arrange()

    def align_strip(self, strip: StorageStrip, figure: Figure, *, now: bool = False
                    ) -> list[Any]:
        """Slide a strip that is alone in its row under ``figure``, so arrows run downwards
        (``now``: move it at once, for a strip not on screen yet)."""
        if self.strip_rows != 1 or len(self.strips) != 1:
            return []
        dx = float(figure.cells.get_center()[0] - strip.cells.get_center()[0])
        dx = min(max(dx, self.left - strip.get_left()[0]), self.right - strip.get_right()[0])
        if abs(dx) < 1e-3:
            return []
        if now:
            strip.shift(RIGHT * dx)
        anims: list[Any] = [] if now else [Glide(strip, RIGHT * dx)]
        for ref in [r for r, f in self.figures.items() if f.facts.storage == strip.facts.storage]:
            anims += [SlideOut(links) for links in self._attached(ref)]
        return anims

    def replace_strip(self, old: StorageStrip, new: StorageStrip) -> None:
        """A strip redrawn for the same storage (its buffer moved) takes the old one's place in
        the stage's records; the caller has placed it (inside the safe area)."""
        self.strips[old.facts.storage] = new

    def _place_strips(self, new: StorageStrip | None = None) -> list[Any]:
        strips = list(self.strips.values())
        width = sum(s.width for s in strips) + STRIP_GAP * (len(strips) - 1)
        self.strip_rows = 1 if width <= self.right - self.left else len(strips)
        b = self.bands()
        anims: list[Any] = []
        targets: list[np.ndarray] = []
        if self.strip_rows == 1:
            x = (b.left + b.right) / 2 - width / 2
            for s in strips:
                targets.append(np.array([x - s.get_left()[0], b.storage[1] - s.get_top()[1], 0]))
                x += s.width + STRIP_GAP
        else:
            y = b.storage[1]
            for s in strips:
                targets.append(np.array([(b.left + b.right) / 2 - s.get_center()[0],
                                         y - s.get_top()[1], 0]))
                y -= s.height + 0.1
        for s, shift in zip(strips, targets, strict=True):
            if s is new:
                s.shift(shift)
                anims.append(FadeIn(s))
            elif np.linalg.norm(shift) > 1e-3:
                anims.append(Glide(s, shift))
                for ref in [r for r, f in self.figures.items()
                            if f.facts.storage == s.facts.storage]:
                    anims += [SlideOut(a) for a in self._attached(ref)]
        return anims

    def arrows_to_storage(self, figure: Figure, strip: StorageStrip,
                          elements: Sequence[int] | None = None) -> VGroup:
        """One arrow per element, from the cell's centre line down to the storage cell
        ``storage_index`` names (torch's own addresses).

        Arrows start at the bottom edge of the cell on its centre line; an upper row's arrow
        first drops through a lane beside the values below (a column's upper cells leave by
        their sides into lanes beside the column), so no arrow crosses a value.
        """
        facts = figure.facts
        chosen = range(len(figure.cells)) if elements is None else elements
        rows = facts.shape[-2] if len(facts.shape) >= 2 else 1
        cols = facts.shape[-1] if facts.shape else 1
        grid_bottom = float(figure.cells.get_bottom()[1])
        group: Any = VGroup()
        group.storage_targets = []
        group.elements = list(chosen)
        color = figure.hue
        for k in chosen:
            cell = figure.cell(k)
            target = facts.storage_index[k]
            end = strip.cell(target).box.get_top() + UP * 0.04
            start = cell.get_bottom()
            row = (k // cols) % rows
            parts = VGroup()
            if row < rows - 1 and cols == 1:
                # A column: upper cells leave by their side, alternately left and right, into
                # lanes beside the column (the topmost outermost, so no two lines cross).
                left_side = row % 2 == 0
                count = (rows - 1 + (1 if left_side else 0)) // 2
                lane = (count - row // 2) * COLUMN_LANE
                side = cell.get_left() if left_side else cell.get_right()
                x = side[0] - lane if left_side else side[0] + lane
                out = np.array([x, side[1], 0.0])
                knee = np.array([x, grid_bottom, 0.0])
                parts.add(Line(side, out, stroke_width=2.5, color=color))
                parts.add(Line(out, knee, stroke_width=2.5, color=color))
                start = knee
            elif row < rows - 1:
                # Down a lane between the value and the cell's border, beside the values below.
                lane = (-0.475 if (k % cols) * 2 < cols else 0.475) * cell.width
                start = start + RIGHT * lane
                knee = np.array([start[0], grid_bottom, 0.0])
                parts.add(Line(start, knee, stroke_width=2.5, color=color))
                start = knee
            parts.add(Arrow(start, end, buff=0, stroke_width=2.5, color=color,
                            max_tip_length_to_length_ratio=0.15, tip_length=0.16,
                            max_stroke_width_to_length_ratio=10))
            group.add(parts)
            group.storage_targets.append(target)
        return group

    def cell_highlight(self, part: Mobject, color: str | None = None) -> SurroundingRectangle:
        """A thick frame around a cell or a group of cells (a shape cue, not only a colour)."""
        return SurroundingRectangle(part, color=color or self.highlight, buff=0.03,
                                    stroke_width=5)

    def ghost(self, cell: Cell) -> Cell:
        """A copy of a cell drawn as a stride-0 ghost: dashed outline, faded value."""
        ghost = cell.copy()
        ghost.box.set_stroke(opacity=0)
        ghost.box.set_fill(opacity=0)
        dashes = DashedVMobject(cell.box.copy().set_fill(opacity=0), num_dashes=14)
        dashes.set_stroke(str(cell.box.get_stroke_color()), width=2, opacity=0.8)
        ghost.add(dashes)
        ghost.dashes = dashes  # type: ignore[attr-defined]
        ghost.value.set_opacity(0.55)
        return ghost

    # Needs of later statements

    def needed_after(self, op_index: int, ref: TensorRef) -> bool:
        """Does an op after ``op_index`` read ``ref`` (or any later version of its name)?"""
        return any(r.name == ref.name for op in self.trace.ops[op_index + 1:]
                   for r in op.inputs)

    def facts(self, ref: TensorRef) -> TensorFacts:
        return self.trace.tensor(ref)

    def index_of(self, op: OpRecord) -> int:
        return next(i for i, o in enumerate(self.trace.ops) if o is op)


def _scaled_box(figure: Mobject, scale: float, width: float) -> tuple[float, float, float]:
    """Left edge, top edge and width of ``figure.copy().scale(scale)``, without the copy.

    ``scale`` maps each coordinate ``v`` to ``scale·(v − c) + c`` about the centre ``c``. For a
    positive scale that is monotone in float arithmetic too, so the smallest (largest)
    coordinate after scaling is the scaled smallest (largest) one: the numbers are the copy's.
    """
    left, high = float(figure.get_left()[0]), float(figure.get_top()[1])
    if scale >= 1.0:
        return left, high, width
    centre = figure.get_center()

    def scaled(v: float, dim: int) -> float:
        return float(scale * (v - centre[dim]) + centre[dim])

    most, least = figure.reduce_across_dimension(max, 0), figure.reduce_across_dimension(min, 0)
    wide = 0.0 if most is None or least is None else scaled(most, 0) - scaled(least, 0)
    return scaled(left, 0), scaled(high, 1), wide


def fade_group(mobjects: Iterable[Mobject]) -> list[Any]:
    return [FadeOut(m) for m in mobjects]


def on_screen(scene: Any, mob: Mobject) -> bool:
    return any(mob in top.get_family() for top in scene.mobjects)


DOWNWARD = DOWN
