"""Construct-only runs of code clips, recording what each visual did, and the checks on them."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import scenes.visuals.common as common_visual
import scenes.visuals.write as write_visual
from core.model import Layout, OpKind, OpRecord, ProgramTrace, TensorRef
from scenes.code_clip import CAPTION_RATE, HOLD, CodeClip
from scenes.components.tensor_grid import Cell
from scenes.stage import Stage, safe_area
from scenes.theme import Theme
from scenes.visuals import VISUALS
from tests.scenes.harness import HEX, NUMBER, Run, construct_only, trace_strings
from tests.scenes.memory_checks import check_legible

__all__ = ["CodeRun", "check_code_run", "run_code_clip"]


@dataclass
class CodeRun:
    """A construct-only run plus what the instrumented visuals saw."""

    run: Run
    # (op, ids of the input's cells before, the output figure's cells after)
    layouts: list[tuple[OpRecord, list[int], list[Cell]]] = field(default_factory=list)
    # (op index, which side changed: "writer" / "storage" / alias name, scene time)
    writes: list[tuple[int, str, float]] = field(default_factory=list)
    # (step, figure ref, arrow end, storage cell box (left, right, top))
    arrow_ends: list[tuple[str, TensorRef, np.ndarray, tuple[float, float, float]]] = \
        field(default_factory=list)
    # each layout op's cell flights: (starts, targets, half size, obstacles, order, paths)
    flights: list[tuple[Any, ...]] = field(default_factory=list)
    # per step: the x where caption text starts, and its lines
    captions: list[tuple[float, list[str]]] = field(default_factory=list)
    scene_ref: Any = None

    @property
    def scene(self) -> CodeClip:
        scene = self.scene_ref
        assert isinstance(scene, CodeClip)
        return scene

    @property
    def trace(self) -> ProgramTrace:
        return self.scene.trace


@contextmanager
def _instrumented(record: CodeRun) -> Iterator[None]:
    original_layout = VISUALS[OpKind.LAYOUT]
    original_change = write_visual.change_value
    original_plan = common_visual.plan_moves

    def plan_moves(starts: Any, targets: Any, half: Any, obstacles: Any) -> Any:
        order, paths = original_plan(starts, targets, half, obstacles)
        record.flights.append(([np.array(p) for p in starts], [np.array(t) for t in targets],
                               np.array(half), list(obstacles), list(order), paths))
        return order, paths

    def layout(scene: Any, stage: Stage, op: OpRecord) -> None:
        before = stage.figure(op.inputs[0])
        ids = [id(c) for c in before.cells] if before is not None else []
        original_layout(scene, stage, op)
        after = stage.figure(op.outputs[0])
        assert after is not None
        record.layouts.append((op, ids, list(after.cells)))  # type: ignore[arg-type]

    def change_value(cell: Cell, text: str | None, theme: Theme) -> Any:
        scene = record.scene_ref
        stage = scene.stage
        side = "?"
        for strip in stage.strips.values():
            if any(cell is c for c in strip.cells):
                side = "storage"
        for ref, figure in stage.figures.items():
            if any(cell is c for c in figure.cells):
                side = ref.name
        op_index = len([o for o in scene.trace.ops if o.kind == OpKind.WRITE])
        record.writes.append((op_index, side, scene.time))
        return original_change(cell, text, theme)

    VISUALS[OpKind.LAYOUT] = layout
    write_visual.change_value = change_value
    common_visual.plan_moves = plan_moves
    try:
        yield
    finally:
        VISUALS[OpKind.LAYOUT] = original_layout
        write_visual.change_value = original_change
        common_visual.plan_moves = original_plan


def run_code_clip(trace: ProgramTrace, theme: Theme, tmp_path: Path) -> CodeRun:
    """Run a code clip's ``construct`` without writing video, instrumented."""
    record = CodeRun(run=None)  # type: ignore[arg-type]

    class Instrumented(CodeClip):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            record.scene_ref = self

        def _close_step(self) -> None:
            # The harness's own subclass takes inspect_step; a step's end state is recorded here,
            # before the hold (which moves nothing).
            if self._open is not None:
                self.record_step(self._open[0])
            super()._close_step()

        def record_step(self, name: str) -> None:
            stage = self.stage
            assert stage is not None and self.band is not None
            lines: list[Any] = list(self.band.words)
            record.captions.append((float(self.band.words.get_left()[0]),
                                    [str(w.original_text) for w in lines]))
            for ref, found in stage.arrows.items():
                links: Any = found
                figure = stage.figures.get(ref)
                strip = stage.strip(figure.facts.storage) if figure is not None else None
                if strip is None:
                    continue
                for parts, target in zip(links.arrows, links.arrows.storage_targets, strict=True):
                    box = strip.cell(target).box
                    record.arrow_ends.append((name, ref, np.array(parts[-1].get_end()), (
                        float(box.get_left()[0]), float(box.get_right()[0]),
                        float(box.get_top()[1]))))

    with _instrumented(record):
        record.run = construct_only(Instrumented, theme, tmp_path, trace=trace)
    return record


def allowed_numbers(trace: ProgramTrace) -> set[str]:
    """Numbers the trace holds, plus the read-order ordinals 1..n of its largest tensor
    (a count of positions, not a value)."""
    allowed = trace_strings(trace)
    most = max((t.numel for t in trace.tensors), default=0)
    allowed.update(str(n) for n in range(1, most + 1))
    return allowed


def check_numbers(record: CodeRun) -> None:
    allowed = allowed_numbers(record.trace)
    for snap in record.run.plays + record.run.snapshots:
        for lab in snap.labels:
            for address in HEX.findall(lab.text):
                assert address.lower() in allowed, f"{snap.step}: {lab.text!r} shows {address}"
            for number in NUMBER.findall(HEX.sub(" ", lab.text)):
                assert number in allowed, (
                    f"{snap.step}: {lab.text!r} shows {number}, which the trace does not hold")


def check_safe_area(record: CodeRun, tolerance: float = 0.02) -> None:
    left, bottom, right, top = safe_area()
    for snap in record.run.snapshots:
        items = [(lab.text, lab.box) for lab in snap.labels] + snap.boxes
        for name, (x0, y0, x1, y1) in items:
            assert x0 >= left - tolerance and x1 <= right + tolerance and \
                y0 >= bottom - tolerance and y1 <= top + tolerance, (
                    f"step {snap.step!r}: {name} at {(x0, y0, x1, y1)} leaves the safe area")


def check_no_overlaps(record: CodeRun, tolerance: float = 0.02) -> None:
    """No two texts overlap at any step's end, and no two figures or strips do."""
    for snap in record.run.snapshots:
        labels = snap.labels
        for i, a in enumerate(labels):
            for b in labels[i + 1:]:
                dx = min(a.box[2], b.box[2]) - max(a.box[0], b.box[0])
                dy = min(a.box[3], b.box[3]) - max(a.box[1], b.box[1])
                assert dx <= tolerance or dy <= tolerance, (
                    f"step {snap.step!r}: {a.text!r} overlaps {b.text!r}")
    stage = record.scene.stage
    assert stage is not None
    parts: list[tuple[str, Any]] = [(f"figure {r.name}", f.cells)
                                     for r, f in stage.figures.items()]
    parts += [(f"strip {s}", strip.cells) for s, strip in stage.strips.items()]
    for i, (name_a, m) in enumerate(parts):
        for name_b, n in parts[i + 1:]:
            dx = min(m.get_right()[0], n.get_right()[0]) - max(m.get_left()[0], n.get_left()[0])
            dy = min(m.get_top()[1], n.get_top()[1]) - max(m.get_bottom()[1], n.get_bottom()[1])
            assert dx <= tolerance or dy <= tolerance, f"{name_a} overlaps {name_b}"


def check_pacing(record: CodeRun) -> None:
    """Every step holds HOLD seconds after its last motion; captions at most CAPTION_RATE."""
    scene = record.scene
    assert len(scene.holds) == len(scene.steps)
    for step, hold in zip(scene.steps, scene.holds, strict=True):
        assert hold >= HOLD - 1e-6, f"step {step.name!r} holds only {hold:.2f} s"
        rate = len(step.caption) / (step.end - step.start)
        assert rate <= CAPTION_RATE + 1e-6, f"step {step.name!r}: {rate:.1f} characters/s"


def check_captions(record: CodeRun) -> None:
    """Caption text starts at one x in every step, in at most two lines, no lone last word."""
    assert record.captions, "no caption recorded"
    lefts = {round(left, 3) for left, _ in record.captions}
    assert len(lefts) == 1, f"caption text starts at several x: {sorted(lefts)}"
    for _, lines in record.captions:
        assert len(lines) <= 2, f"caption in {len(lines)} lines: {lines}"
        if len(lines) == 2:
            assert len(lines[-1].split()) > 1, f"one-word last line: {lines}"


def check_cell_identity(record: CodeRun) -> None:
    """Every layout op's output shows its input's very cells (no new grid faded in)."""
    assert record.layouts or not any(op.kind == OpKind.LAYOUT and op.error is None
                                     for op in record.trace.ops)
    for op, before, after in record.layouts:
        assert isinstance(op.plan, Layout)
        first: dict[int, int] = {}
        for k, source in enumerate(op.plan.sources):
            first.setdefault(source, k)
        for source, k in first.items():
            assert id(after[k]) == before[source], (
                f"{op.code}: element {k} is a new mobject, not input element {source}'s cell")


def check_flights(record: CodeRun, samples: int = 200) -> None:
    """Cells of a layout op travel one at a time (adopt plays them in succession), and on its
    way no cell touches a cell still waiting, one already placed, or another tensor."""
    assert len(record.flights) >= len(record.layouts)
    for starts, targets, half, obstacles, order, paths in record.flights:
        assert sorted(order) == list(range(len(starts)))
        for rank, i in enumerate(order):
            path = paths[i]
            assert np.allclose(path[0], starts[i]) and np.allclose(path[-1], targets[i])
            others = [(p[0] - half[0], p[1] - half[1], p[0] + half[0], p[1] + half[1])
                      for p in [starts[j] for j in order[rank + 1:]]
                      + [targets[j] for j in order[:rank]]]
            lengths = np.cumsum([0.0] + [float(np.linalg.norm(b - a))
                                         for a, b in itertools.pairwise(path)])
            for t in np.linspace(0.0, lengths[-1], samples)[1:-1]:
                leg = min(int(np.searchsorted(lengths, t, side="right")) - 1, len(path) - 2)
                span = lengths[leg + 1] - lengths[leg]
                share = (t - lengths[leg]) / span if span > 0 else 0.0
                point = path[leg] + (path[leg + 1] - path[leg]) * share
                for x0, y0, x1, y1 in [*obstacles, *others]:
                    clear = (point[0] + half[0] <= x0 + 0.03 or point[0] - half[0] >= x1 - 0.03
                             or point[1] + half[1] <= y0 + 0.03
                             or point[1] - half[1] >= y1 - 0.03)
                    assert clear, (
                        f"a travelling cell at {point[:2].round(2)} crosses {(x0, y0, x1, y1)}")


def check_arrows(record: CodeRun) -> None:
    """Every arrow ends over the storage cell the trace names, just above it."""
    for step, ref, end, (left, right, top) in record.arrow_ends:
        assert left - 1e-6 <= end[0] <= right + 1e-6, (
            f"{step}: an arrow of {ref.name} ends at x={end[0]:.2f}, not over its cell")
        assert top - 1e-6 <= end[1] <= top + 0.45, (
            f"{step}: an arrow of {ref.name} ends at y={end[1]:.2f}, not on its cell")


def check_write_order(record: CodeRun) -> None:
    """For each write: the writer's cells change, then storage, then each alias in order."""
    for op in record.trace.ops:
        plan = op.plan
        if op.kind != OpKind.WRITE or op.error is not None or plan is None:
            continue
        sides = [side for _, side, _ in record.writes]
        expected = ["writer", "storage"] + [ref.name for ref, _ in plan.aliases]  # type: ignore
        order: list[str] = []
        writer = plan.writer.name  # type: ignore[union-attr]
        for side in sides:
            label = "writer" if side == writer else side
            if not order or order[-1] != label:
                order.append(label)
        assert order == expected, f"{op.code}: changes happened in order {order}"


def check_code_run(record: CodeRun) -> None:
    run = record.run
    assert run.snapshots and run.snapshots[-1].step == "closing"
    check_numbers(record)
    check_safe_area(record)
    check_no_overlaps(record)
    check_pacing(record)
    check_captions(record)
    check_cell_identity(record)
    check_flights(record)
    check_arrows(record)
    check_write_order(record)
    check_legible(run)
