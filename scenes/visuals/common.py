"""Moves every visual shares: bring tensors on stage, hand cells from one tensor to another."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from manim import (
    DOWN,
    RIGHT,
    Animation,
    FadeIn,
    FadeOut,
    LaggedStart,
    Mobject,
    MoveAlongPath,
    RoundedRectangle,
    Succession,
    SurroundingRectangle,
    VGroup,
    VMobject,
)

from core.model import OpRecord, TensorFacts, TensorRef
from scenes.components.stride_arrows import stride_badge
from scenes.components.tensor_grid import Cell
from scenes.components.text import label, mono
from scenes.stage import GHOST_OPACITY, Figure, Stage, cell_positions, is_named

__all__ = [
    "adopt",
    "bring",
    "console",
    "drop_in",
    "fly",
    "on_chip",
    "order_text",
    "polyline",
    "rearrange",
    "settle",
    "show_figure",
    "symbol",
    "transient",
]

# How an op is written in the equations on screen.
SYMBOLS = {
    "add": "+", "sub": "−", "mul": "×", "div": "÷", "pow": "**", "true_divide": "÷",
    "gt": ">", "lt": "<", "ge": "≥", "le": "≤", "eq": "==", "ne": "!=",
}


def symbol(op: str) -> str | None:
    """The infix symbol of a binary op, or None for a function written ``op(a)``."""
    return SYMBOLS.get(op.removesuffix("_"))


def rearrange(scene: Any, anims: Sequence[Any], run_time: float = 0.8) -> None:
    """Play the stage's layout animations in three beats: what leaves goes first, then what
    stays moves into the room it left, then what is new fades in where nothing is moving.

    Played at once, a figure sliding out crosses the one moving into its place, and a strip
    fades in under a tensor still on its way up.
    """
    leaving = [a for a in anims if isinstance(a, FadeOut)]
    arriving = [a for a in anims if isinstance(a, FadeIn)]
    moving = [a for a in anims if not isinstance(a, (FadeOut, FadeIn))]
    if leaving:
        scene.play(*leaving, run_time=0.4)
    if moving:
        scene.play(*moving, run_time=run_time)
    if arriving:
        scene.play(*arriving, run_time=0.5)


def settle(scene: Any, figure: Mobject, parts: Sequence[Mobject]) -> None:
    """After parts of ``figure`` were animated in one by one, keep the figure as one mobject."""
    scene.remove(*parts)
    scene.add(figure)


def show_figure(scene: Any, stage: Stage, figure: Figure, *, lagged: bool = True,
                run_time: float = 1.0) -> None:
    """Bring a figure placed by the stage onto the screen: cells drop in one after another."""
    parts = [figure.name_label, figure.badge]
    anims: list[Any] = [FadeIn(VGroup(*parts))]
    if lagged and len(figure.cells) > 1:
        anims.append(LaggedStart(*(FadeIn(c, shift=DOWN * 0.25) for c in figure.cells),
                                 lag_ratio=0.15))
    else:
        anims.append(FadeIn(figure.cells, shift=DOWN * 0.25))
    scene.play(*anims, run_time=run_time)
    scene.remove(VGroup(*parts), *figure.cells, figure.cells)
    scene.add(figure)


def bring(scene: Any, stage: Stage, refs: Sequence[TensorRef],
          reserve: dict[TensorRef, tuple[int, ...]] | None = None) -> list[Figure]:
    """Figures for ``refs``, made and shown if they are not on stage, at full opacity."""
    reserve = reserve or {}
    new: list[Figure] = []
    for ref in dict.fromkeys(refs):
        if stage.figure(ref) is None:
            new.append(stage.make_figure(stage.facts(ref), reserve.get(ref)))
    anims = stage.arrange(new, keep=refs)
    dimmed = [f for f in (stage.figure(r) for r in refs)
              if f is not None and f not in new and getattr(f, "dimmed", False)]
    for figure in dimmed:
        anims.append(figure.cells.animate.set_opacity(1))
        figure.dimmed = False  # type: ignore[attr-defined]
    rearrange(scene, anims)
    for figure in new:
        show_figure(scene, stage, figure, run_time=0.8)
    found = [stage.figure(r) for r in refs]
    assert all(f is not None for f in found)
    return [f for f in found if f is not None]


Box = tuple[float, float, float, float]  # left, bottom, right, top


def box_of(mob: Mobject) -> Box:
    return (float(mob.get_left()[0]), float(mob.get_bottom()[1]), float(mob.get_right()[0]),
            float(mob.get_top()[1]))


def _hits(path: Sequence[np.ndarray], half: np.ndarray, boxes: Sequence[Box]) -> int:
    """How many of ``boxes`` a cell of half-size ``half`` touches on its way along ``path``
    (a polyline of centres), sampled every 0.02 units, its two ends left out."""
    if not boxes:
        return 0
    points = []
    for a, b in itertools.pairwise(path):
        steps = max(2, int(np.linalg.norm(b - a) / 0.02))
        t = np.linspace(0.0, 1.0, steps)[:, None]
        points.append(a[:2] + (b[:2] - a[:2]) * t)
    centres = np.concatenate(points)[1:-1]
    if not len(centres):
        return 0
    box = np.array(boxes, dtype=float)  # (B, 4)
    x, y = centres[:, 0:1], centres[:, 1:2]  # (S, 1)
    clear = ((x + half[0] <= box[:, 0] + 0.02) | (x - half[0] >= box[:, 2] - 0.02)
             | (y + half[1] <= box[:, 1] + 0.02) | (y - half[1] >= box[:, 3] - 0.02))
    return int(np.count_nonzero(~clear.all(axis=0)))


def plan_moves(starts: Sequence[np.ndarray], targets: Sequence[np.ndarray], half: np.ndarray,
               obstacles: Sequence[Box]) -> tuple[list[int], list[list[np.ndarray]]]:
    """The order in which cells travel, one at a time, and each cell's path, so that no cell
    crosses a cell still waiting, one already placed, or anything in ``obstacles``.

    Orders tried: torch's reading order, its reverse, farthest target first. In an order, each
    cell takes the first of these paths that touches nothing: straight; a step out of its row
    towards the target, then straight; an elbow (vertical then horizontal, or horizontal then
    vertical); round a lane above or below everything moving. The first order whose cells all
    travel clear wins; else the one that touches least.
    """
    n = len(starts)
    a_all = [np.array(p, dtype=float) for p in starts]
    b_all = [np.array(p, dtype=float) for p in targets]
    ys = [p[1] for p in (*a_all, *b_all)]
    above, below = max(ys) + half[1] * 2.4, min(ys) - half[1] * 2.4

    def shapes(i: int) -> list[list[np.ndarray]]:
        a, b = a_all[i], b_all[i]
        found = [[a, b]]
        if abs(b[1] - a[1]) > half[1] * 2.2:
            found.append([a, a + np.array([0.0, np.sign(b[1] - a[1]) * half[1] * 2.2, 0.0]), b])
        found.append([a, np.array([a[0], b[1], 0.0]), b])
        found.append([a, np.array([b[0], a[1], 0.0]), b])
        for lane in (above, below):
            found.append([a, np.array([a[0], lane, 0.0]), np.array([b[0], lane, 0.0]), b])
        return found

    def plan(order: list[int]) -> tuple[int, list[list[np.ndarray]]]:
        total = 0
        paths: list[list[np.ndarray]] = [[] for _ in range(n)]
        for rank, i in enumerate(order):
            boxes = [*obstacles, *((p[0] - half[0], p[1] - half[1], p[0] + half[0],
                                    p[1] + half[1]) for p in (*(a_all[j] for j in order[rank + 1:]),
                                                              *(b_all[j] for j in order[:rank])))]
            best: tuple[int, list[np.ndarray]] | None = None
            for path in shapes(i):
                hits = _hits(path, half, boxes)
                if best is None or hits < best[0]:
                    best = (hits, path)
                if hits == 0:
                    break
            assert best is not None
            total += best[0]
            paths[i] = best[1]
        return total, paths

    reading = list(range(n))
    far = sorted(reading, key=lambda i: -float(np.linalg.norm(b_all[i] - a_all[i])))
    chosen: tuple[int, list[int], list[list[np.ndarray]]] | None = None
    for order in (reading, reading[::-1], far):
        hits, paths = plan(order)
        if chosen is None or hits < chosen[0]:
            chosen = (hits, order, paths)
        if hits == 0:
            break
    assert chosen is not None
    return chosen[1], chosen[2]


def on_chip(value: VMobject, stage: Stage) -> VGroup:
    """A value on its way somewhere, on an opaque chip: it passes over other cells' digits
    instead of printing through them."""
    chip = SurroundingRectangle(value, buff=0.05, color=stage.highlight, stroke_width=1.5)
    chip.set_fill(stage.theme.background, opacity=1.0)
    return VGroup(chip, value)


def polyline(points: Sequence[np.ndarray]) -> VMobject:
    """A path through ``points`` with sharp corners, for MoveAlongPath."""
    path = VMobject()
    path.set_points_as_corners(list(points))
    return path


def fly(scene: Any, stage: Stage, movers: Sequence[tuple[Mobject, np.ndarray]],
        away: Sequence[TensorRef] = (), labels: Sequence[Mobject] = ()) -> None:
    """Cells travel to their targets one at a time, each on a path that crosses no waiting,
    placed or other cell (:func:`plan_moves`); figures in ``away`` are not obstacles (the
    cells leave the one and make the other), but ``labels`` are (a name and badge that stay
    on screen while the cells leave)."""
    if not movers:
        return
    others = [box_of(f) for ref, f in stage.figures.items() if ref not in away]
    others += [box_of(m) for m in labels]
    first = movers[0][0]
    half = np.array([first.width / 2, first.height / 2, 0.0])
    order, paths = plan_moves([c.get_center() for c, _ in movers], [t for _, t in movers],
                              half, others)
    each = min(0.5, max(0.15, 3.5 / len(movers)))
    moves = [MoveAlongPath(movers[i][0], polyline(paths[i]), run_time=each) for i in order]
    scene.play(Succession(*moves), run_time=each * len(moves))


def adopt(scene: Any, stage: Stage, op: OpRecord, source: Figure, out_facts: TensorFacts,
          sources: Sequence[int],
          decorate: Callable[[Figure], Sequence[Mobject]] | None = None) -> Figure:
    """The output of a view takes over the very cells of its input and moves them into place.

    Output element ``k`` shows input element ``sources[k]``: the first output element to show
    an input element gets that input's cell itself; any further one (a stride-0 repeat) gets a
    dashed ghost copy that slides out of it. If a later op reads the input, a dimmed copy of
    it stays where it was (a new mobject: the cells themselves moved on).

    The cells travel one at a time, so none overlaps another in flight, on paths that cross
    no other cell and no other tensor (:func:`plan_moves`); the new name and badges appear
    once the cells are in place, so no cell passes over them.
    """
    out = stage.make_figure(out_facts)
    extra = list(decorate(out)) if decorate is not None else []
    keep_input = is_named(source.ref)
    links = stage.arrows.pop(source.ref, None)
    anims = stage.arrange([out], keep=[source.ref, out.ref])
    if links is not None:
        anims.append(FadeOut(links))
    rearrange(scene, anims)
    # The stage placed ``out`` with fresh cells: their centres are where the old cells go.
    targets = [out.position(k) for k in range(len(out.cells))]
    order = list(stage.figures)
    stage.remove_figure(source.ref)
    scene.remove(source)
    left_behind: Figure | None = None
    if keep_input:
        left_behind = source.copy()
        left_behind.cells.set_opacity(GHOST_OPACITY)
        left_behind.dimmed = True  # type: ignore[attr-defined]
        stage.figures[source.ref] = left_behind
        # The input keeps its place in the row: figures never swap places.
        stage.figures = {r: stage.figures[r] for r in order if r in stage.figures} | {
            r: f for r, f in stage.figures.items() if r not in order}
        scene.add(left_behind)
    first: dict[int, int] = {}
    cells: list[Cell | None] = []
    for k, s in enumerate(sources):
        if s not in first:
            first[s] = k
            cells.append(source.cell(s))
            scene.add(source.cell(s))
        else:
            cells.append(None)
    leaving = [source.cell(s) for s in range(len(source.cells)) if s not in first]
    labels: list[Any] = [source.name_label, source.badge, *source.header_extra, *source.ghosts,
                         *source.notes]
    if not keep_input:
        scene.add(*labels)
    departures: list[Any] = [FadeOut(c) for c in leaving]
    if not keep_input:
        departures.append(FadeOut(VGroup(*labels)))
    if departures:
        scene.play(*departures, run_time=0.4)
    movers = [(c, targets[k]) for k, c in enumerate(cells) if c is not None]
    # The input's name and badges stay where they are (dimmed copy) while its cells leave.
    staying = ([left_behind.name_label, left_behind.badge, *left_behind.header_extra]
               if left_behind is not None else [])
    fly(scene, stage, movers, away=[source.ref, out.ref], labels=staying)
    arrivals: Any = VGroup(out.name_label, out.badge, *extra)  # type: ignore[arg-type]
    scene.play(FadeIn(arrivals), run_time=0.5)
    # Stride-0 repeats slide out of the cell they repeat, now in its new place.
    ghosts: list[Any] = []
    for k, s in enumerate(sources):
        if cells[k] is None:
            ghost = stage.ghost(source.cell(s))
            ghost.move_to(targets[first[s]])
            scene.add(ghost)
            cells[k] = ghost
            ghosts.append(ghost.animate.move_to(targets[k]))
    if ghosts:
        scene.play(LaggedStart(*ghosts, lag_ratio=0.08), run_time=1.4)
    out.cells.submobjects = [c for c in cells if c is not None]
    placed: list[Any] = list(out.cells)
    for cell in placed:
        cell.box.set_stroke(out.hue)
        if hasattr(cell, "dashes"):
            cell.dashes.set_stroke(out.hue)
    scene.remove(*placed, arrivals, *leaving)
    scene.add(out)
    return out


def drop_in(cell: Mobject) -> Animation:
    return FadeIn(cell, shift=DOWN * 0.3)


def transient(stage: Stage, *mobs: Mobject) -> None:
    """Mark mobjects as belonging to this step only: the next step clears them."""
    stage.extras.extend(mobs)


def order_text(positions: Sequence[int]) -> str:
    """Read positions 1..n of a storage cell: ``3``, ``1–4`` for a run, ``2,5`` otherwise."""
    if len(positions) == 1:
        return str(positions[0])
    if list(positions) == list(range(positions[0], positions[0] + len(positions))):
        return f"{positions[0]}–{positions[-1]}"
    return ",".join(str(p) for p in positions)


def with_stride_badge(figure: Figure) -> VGroup:
    """A ``stride (...)`` badge to the right of the size badge (part of the figure)."""
    badge = stride_badge(figure.facts, figure.theme)
    figure.add_to_header(badge)
    figure.stride = badge  # type: ignore[attr-defined]
    return badge


def console(stage: Stage, code: str, result: str) -> VGroup:
    """``>>> code`` and Python's answer, the way a console shows them, on a panel."""
    th = stage.theme
    prompt = mono(f">>> {code}", th, th.code_size)
    answer = mono(result, th, th.code_size, stage.highlight)
    lines = VGroup(prompt, answer).arrange(RIGHT, buff=0.4)
    panel = RoundedRectangle(corner_radius=0.08, width=lines.width + 0.4,
                             height=lines.height + 0.2, fill_color=th.panel, fill_opacity=1,
                             stroke_color=th.muted, stroke_width=1)
    panel.move_to(lines)
    group = VGroup(panel, lines)
    stage.place_note(group)
    return group


def ghost_points(figure: Figure, out_shape: tuple[int, ...]) -> list[np.ndarray]:
    """Where each element of a broadcast result sits when drawn from ``figure``'s first cell."""
    first = figure.position(0)
    return [first + p for p in cell_positions(out_shape, figure.w, figure.h)]


def words(stage: Stage, text: str, color: str | None = None) -> Mobject:
    return label(text, stage.theme, stage.theme.small_size, color or stage.theme.text)
