"""A Manim camera that replays the cairo paths it has already built, and a renderer that draws
a play's still mobjects once."""

from __future__ import annotations

import itertools
import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Self

import cairo
import numpy as np
from manim import Camera, VMobject
from manim.renderer.cairo_renderer import CairoRenderer

__all__ = ["PathReplayCamera", "StillLayerRenderer"]

# What Manim's path for a vmobject depends on: its points (bit for bit), the context's matrix,
# and the two VMobject settings its subpath splitting reads.
_Key = tuple[bytes, tuple[int, ...], tuple[float, ...], int, float]
# Paths kept, least recently drawn dropped first: a few kilobytes each (points and path), and
# a frame of the default clips draws a few hundred.
MAX_PATHS = 8192


class PathReplayCamera(Camera):
    """Draws exactly what :class:`manim.Camera` draws, building fewer paths.

    Manim builds every mobject's cairo path from its points on every frame, one Python call
    per curve: a line of code is hundreds of curves, and most of the frame does not move from
    one frame to the next. Here a path is built once and replayed (``append_path``) whenever
    the same points are drawn under the same matrix again: by the same mobject in a later
    frame, or by another one with equal points (each play's copies of a mobject, a caption
    shown again, a step's figure drawn again by a later step). The key is the points' bytes,
    so a replayed path is the path Manim would build. The :data:`MAX_PATHS` most recently
    drawn paths are kept.

    Manim's own static-image caching (mobjects no animation touches are drawn once per play)
    is untouched: this only speeds up drawing what does get drawn.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Paths by what they were built from, most recently drawn last.
        self._paths: OrderedDict[_Key, Any] = OrderedDict()
        self.replayed = 0
        self.built = 0

    def set_cairo_context_path(self, ctx: cairo.Context, vmobject: VMobject) -> Self:
        points = vmobject.points
        if len(points) == 0:
            # Manim leaves the previous path in place here; so must we.
            super().set_cairo_context_path(ctx, vmobject)
            return self
        m = ctx.get_matrix()
        key = (points.tobytes(), points.shape, (m.xx, m.yx, m.xy, m.yy, m.x0, m.y0),
               vmobject.n_points_per_cubic_curve, vmobject.tolerance_for_point_equality)
        path = self._paths.get(key)
        if path is not None:
            ctx.new_path()
            ctx.append_path(path)
            self._paths.move_to_end(key)
            self.replayed += 1
            return self
        if math.isfinite(float(points.sum())):  # no NaN or infinity: Manim draws them as is
            _build_path(ctx, vmobject, points)
        else:
            super().set_cairo_context_path(ctx, vmobject)
        self._paths[key] = ctx.copy_path()
        if len(self._paths) > MAX_PATHS:
            self._paths.popitem(last=False)
        self.built += 1
        return self


def _build_path(ctx: cairo.Context, vmobject: VMobject, points: Any) -> None:
    """The path :meth:`manim.Camera.set_cairo_context_path` builds from finite ``points``: the
    same cairo calls with the same numbers, from Python floats instead of NumPy ones.

    Subpaths split where one curve's end is not close to the next one's start, closeness as
    :meth:`VMobject.get_subpath_split_indices_from_points` judges it in two dimensions (the
    float64 sums NumPy does, done in Python's float64); a subpath whose ends are close is
    closed (:meth:`VMobject.consider_points_equals_2d`).
    """
    ctx.new_path()
    n = vmobject.n_points_per_cubic_curve
    count = len(points)
    if count < n:
        return
    xy = points[:, :2].tolist()
    atol, rtol = vmobject.tolerance_for_point_equality, 1.0e-5
    starts = [0]
    for b in range(n, count, n):
        (ex, ey), (sx, sy) = xy[b - 1], xy[b]
        if not (abs(ex - sx) <= atol + rtol * abs(sx) and abs(ey - sy) <= atol + rtol * abs(sy)):
            starts.append(b)
    starts.append(count)
    curve_to = ctx.curve_to
    for start, end in itertools.pairwise(starts):
        if end - start < n:
            continue
        ctx.new_sub_path()
        ctx.move_to(*xy[start])
        for i in range(start, end - n + 1, n):
            (x1, y1), (x2, y2), (x3, y3) = xy[i + 1], xy[i + 2], xy[i + 3]
            curve_to(x1, y1, x2, y2, x3, y3)
        if vmobject.consider_points_equals_2d(xy[start], xy[end - 1]):
            ctx.close_path()


class StillLayerRenderer(CairoRenderer):
    """Draws exactly what :class:`~manim.renderer.cairo_renderer.CairoRenderer` draws, drawing
    the still mobjects of a play once instead of every frame.

    Each frame Manim draws every mobject from the first animated one on, in drawing order: the
    still ones above it too, since an animated mobject may pass under them. In the default clips
    two thirds of the mobjects drawn per frame were such still ones. Here, once per play, they
    are drawn onto a copy of Manim's still image (``before``), giving ``full``. A frame is
    ``full`` outside the rectangle its animated mobjects can touch (their points' box, grown by
    how far a stroke, a miter and antialiasing reach): no animated mobject touches a pixel
    there, so Manim draws ``full`` there too. Inside the rectangle the frame is what Manim draws:
    ``before``, then every mobject it draws, in its order, that can touch the rectangle (on a
    scratch frame, unclipped: a cairo clip changes antialiasing). Frames are byte-identical to
    Manim's (tests/scenes/test_fastcairo.py; every default clip: bench/bench.py --sections
    frames). With nothing still above the animated mobjects, ``full`` is ``before``.

    So from one frame of a play to the next only the rows of the two rectangles can change:
    only those are restored in the camera's pixels, and only those go to a file writer whose
    ``takes_rows`` is true (``write_frame(band, rows=(top, bottom))``), instead of a copy of
    the whole frame for it to compare with the last one.

    "Still" is what Manim's own still image rests on: no animation of the play animates it (or
    its family), it has no updater and is not in the foreground. Plays with anything but plain
    vector mobjects (images, background-image fills) are drawn as Manim draws them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plan: _Plan | None = None
        self._planned_for: Any = None
        self._scratch: Any = None
        # What the camera's pixels hold, when a plan drew them: the plan's ``full`` but inside
        # the rectangle (None: nowhere), in that pixel array.
        self._shown: tuple[_Plan, tuple[int, int, int, int] | None, Any] | None = None
        # The same for the last frame handed to the file writer; and the last copy of the
        # pixels get_frame made.
        self._written: tuple[_Plan, tuple[int, int, int, int] | None, Any] | None = None
        self._copy: Any = None
        self.layered = 0  # frames drawn on the still layer, for the tests
        self.bands = 0  # frames handed over as the rows that changed, for the tests

    def save_static_frame_data(self, scene: Any, static_mobjects: Any) -> Any:
        self._plan, self._planned_for = None, None
        return super().save_static_frame_data(scene, static_mobjects)

    def update_frame(self, scene: Any, mobjects: Any = None, include_submobjects: bool = True,
                     ignore_skipping: bool = True, **kwargs: Any) -> None:
        if self.skip_animations and not ignore_skipping:
            return
        shown, self._shown = self._shown, None
        # Only the frames of a play: its moving mobjects, as Scene.play_internal passes them.
        if (mobjects and include_submobjects and not kwargs
                and mobjects is getattr(scene, "moving_mobjects", None)):
            # Manim's own extraction, every frame: a mobject may gain submobjects mid-play.
            drawn = self.camera.get_mobjects_to_display(mobjects or [])
            if self._planned_for is not mobjects:
                self._plan, self._planned_for = self._make_plan(scene, drawn), mobjects
                shown = None  # making the plan drew on the pixels
            if self._plan is not None and _plain(drawn):
                self._draw(self._plan, drawn, shown)
                return
        super().update_frame(scene, mobjects, include_submobjects, ignore_skipping, **kwargs)

    def render(self, scene: Any, time: float, moving_mobjects: Any = None) -> None:
        """One frame of a play. When this frame and the one written before it come from the
        same plan, both are ``full`` outside their rectangles: the writer gets only the rows
        of the two rectangles (``rows=(top, bottom)``), not a copy of the whole frame."""
        self.update_frame(scene, moving_mobjects)
        shown, written = self._shown, self._written
        if (shown is None or written is None or written[0] is not shown[0]
                or written[2] is not shown[2] or self.skip_animations
                or not getattr(self.file_writer, "takes_rows", False)):
            self.add_frame(self.get_frame())
            return
        top, bottom = _rows(written[1], shown[1])
        self.time += 1 / self.camera.frame_rate
        self.file_writer.write_frame(shown[2][top:bottom].copy(), repeat=1, rows=(top, bottom))
        self._written = shown
        self.bands += 1

    def get_frame(self) -> Any:
        self._copy = super().get_frame()
        return self._copy

    def add_frame(self, frame: Any, num_frames: int = 1) -> None:
        if not self.skip_animations:
            # A copy of the pixels as they are now: what they hold is known (or None).
            self._written = self._shown if frame is self._copy else None
        super().add_frame(frame, num_frames)

    def _make_plan(self, scene: Any, drawn: list[Any]) -> _Plan | None:
        camera: Any = self.camera
        if not _plain(drawn):
            return None
        animated = _animated(scene)
        still = [m for m in drawn if id(m) not in animated]
        before = self.static_image if self.static_image is not None else camera.background
        camera.set_frame_to_background(before)
        ctx = camera.get_cairo_context(camera.pixel_array)
        for mobject in still:
            camera.display_vectorized(mobject, ctx)
        matrix = ctx.get_matrix()
        scale = camera.cairo_line_width_multiple * abs(matrix.xx)
        size = (camera.pixel_width, camera.pixel_height)
        # Nothing still above the moving mobjects: ``full`` is Manim's still image itself.
        return _Plan(still=still, boxes={id(m): _box(m, matrix, scale, size) for m in still},
                     before=before, full=camera.pixel_array.copy() if still else before,
                     scratch=self._scratch_like(before), dirty=None, matrix=matrix, scale=scale,
                     size=size)

    def _scratch_like(self, before: Any) -> Any:
        """One scratch frame for every play (the camera keeps a cairo context per array)."""
        if self._scratch is None or self._scratch.shape != before.shape:
            self._scratch = np.empty_like(before)
        np.copyto(self._scratch, before)
        return self._scratch

    def _draw(self, plan: _Plan, drawn: list[Any],
              shown: tuple[_Plan, tuple[int, int, int, int] | None, Any] | None) -> None:
        camera: Any = self.camera
        pixels = camera.pixel_array
        if shown is not None and shown[0] is plan and shown[2] is pixels:
            if shown[1] is not None:  # the pixels are ``full`` but there
                sx0, sy0, sx1, sy1 = shown[1]
                pixels[sy0:sy1, sx0:sx1] = plan.full[sy0:sy1, sx0:sx1]
        else:
            np.copyto(pixels, plan.full)
        # Anything not still when the play began counts as moving.
        rectangle = _reach([m for m in drawn if id(m) not in plan.boxes], plan.matrix,
                           plan.scale, plan.size)
        self._shown = (plan, rectangle, pixels)
        if rectangle is None:
            return
        x0, y0, x1, y1 = rectangle
        # The scratch frame holds ``before`` again, then gets what Manim draws that can touch
        # the rectangle, in Manim's order.
        scratch = plan.scratch
        if plan.dirty is not None:
            dx0, dy0, dx1, dy1 = plan.dirty
            scratch[dy0:dy1, dx0:dx1] = plan.before[dy0:dy1, dx0:dx1]
        ctx = camera.get_cairo_context(scratch)
        touched = [rectangle]
        for mobject in drawn:
            if id(mobject) in plan.boxes:  # a still mobject
                box = plan.boxes[id(mobject)]
                if box is None or box[0] >= x1 or box[2] <= x0 or box[1] >= y1 or box[3] <= y0:
                    continue  # outside the rectangle: already in ``full``
                touched.append(box)
            camera.display_vectorized(mobject, ctx)
        plan.dirty = _union(touched)
        pixels[y0:y1, x0:x1] = scratch[y0:y1, x0:x1]
        self.layered += 1


def _rows(a: tuple[int, int, int, int] | None, b: tuple[int, int, int, int] | None
          ) -> tuple[int, int]:
    """The rows two rectangles cover, first to one past the last ((0, 0): none)."""
    box = _union(r for r in (a, b) if r is not None)
    return (0, 0) if box is None else (box[1], box[3])


def _union(boxes: Any) -> tuple[int, int, int, int] | None:
    found = list(boxes)
    if not found:
        return None
    return (min(b[0] for b in found), min(b[1] for b in found),
            max(b[2] for b in found), max(b[3] for b in found))


@dataclass(slots=True)
class _Plan:
    still: list[Any]  # the still mobjects Manim draws every frame (kept: their ids are keys)
    boxes: dict[int, tuple[int, int, int, int] | None]  # their pixel boxes, by id
    before: Any  # Manim's still image: the still mobjects below the first animated one
    full: Any  # that image with every still mobject drawn (``before`` itself if none)
    scratch: Any  # ``before`` with what the last frame drew over it, inside ``dirty``
    dirty: tuple[int, int, int, int] | None  # where scratch differs from before
    matrix: Any  # the cairo context's scene-to-pixel matrix
    scale: float  # pixels per unit of stroke width
    size: tuple[int, int]


def _plain(mobjects: list[Any]) -> bool:
    """Whether every mobject is a vector mobject without a background image."""
    return all(isinstance(m, VMobject) and not m.get_background_image() for m in mobjects)


def _animated(scene: Any) -> set[int]:
    """Ids of every mobject a play may change: what its animations (nested ones too) animate,
    what has updaters, the foreground mobjects; with their families, as Manim judges them."""
    from manim.animation.composition import AnimationGroup

    found: set[int] = set()

    def add(mobject: Any) -> None:
        found.update(id(m) for m in mobject.get_family())

    def visit(animations: Any) -> None:
        for animation in animations:
            add(animation.mobject)
            if isinstance(animation, AnimationGroup):
                visit(animation.animations)

    visit(scene.animations or ())
    for mobject in scene.get_mobject_family_members():
        if mobject.updaters:
            add(mobject)
    for mobject in scene.foreground_mobjects:
        add(mobject)
    return found


def _box(mobject: Any, matrix: Any, scale: float, size: tuple[int, int]
         ) -> tuple[int, int, int, int] | None:
    """The pixels a vector mobject can touch, as a box clamped to the frame (None: none).

    Its points' box (a Bézier curve stays inside its control points' hull), grown by five
    stroke widths (a miter reaches at most half the miter limit of 10 widths from its corner)
    and two pixels of antialiasing.
    """
    return _reach([mobject], matrix, scale, size)


def _reach(mobjects: list[Any], matrix: Any, scale: float, size: tuple[int, int]
           ) -> tuple[int, int, int, int] | None:
    """One box around the boxes of ``mobjects`` (see :func:`_box`), in one pass over their
    points: their points' box grown by the widest stroke among them."""
    drawn = [m for m in mobjects if len(m.points)]
    if not drawn:
        return None
    points = drawn[0].points if len(drawn) == 1 else np.concatenate([m.points for m in drawn])
    low, high = points[:, :2].min(axis=0), points[:, :2].max(axis=0)
    xs = (matrix.xx * low[0] + matrix.xy * low[1] + matrix.x0,
          matrix.xx * high[0] + matrix.xy * high[1] + matrix.x0)
    ys = (matrix.yx * low[0] + matrix.yy * low[1] + matrix.y0,
          matrix.yx * high[0] + matrix.yy * high[1] + matrix.y0)
    width = max(max(m.get_stroke_width(), m.get_stroke_width(background=True)) for m in drawn)
    pad = 5 * width * scale + 2
    x0 = max(0, math.floor(min(xs) - pad))
    y0 = max(0, math.floor(min(ys) - pad))
    x1 = min(size[0], math.ceil(max(xs) + pad))
    y1 = min(size[1], math.ceil(max(ys) + pad))
    if x0 >= x1 or y0 >= y1:
        return None
    return x0, y0, x1, y1
