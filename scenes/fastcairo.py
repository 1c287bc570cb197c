"""A Manim camera that replays the cairo path of points it has already drawn."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Self

import cairo
from manim import Camera, VMobject

__all__ = ["PathReplayCamera"]

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
        super().set_cairo_context_path(ctx, vmobject)
        self._paths[key] = ctx.copy_path()
        if len(self._paths) > MAX_PATHS:
            self._paths.popitem(last=False)
        self.built += 1
        return self
