"""A Manim camera that replays the cairo path of a mobject whose points did not change."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self

import cairo
import numpy as np
from manim import Camera, Mobject, VMobject

__all__ = ["PathReplayCamera"]

_Entry = tuple[VMobject, np.ndarray, tuple[float, ...], Any]


class PathReplayCamera(Camera):
    """Draws exactly what :class:`manim.Camera` draws, building fewer paths.

    Manim builds every mobject's cairo path from its points on every frame, one Python call
    per curve: a line of code is hundreds of curves, and most of the frame does not move from
    one frame to the next. Here a path is built once and replayed (``append_path``) while the
    mobject's points and the context's matrix are what they were when it was built. A path
    not drawn for a whole frame is forgotten, so memory follows what is on screen.

    Manim's own static-image caching (mobjects no animation touches are drawn once per play)
    is untouched: this only speeds up drawing what does get drawn.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # id(vmobject) -> (the vmobject, a copy of its points, the context matrix, the path),
        # for the paths drawn in this capture and the two before it.
        self._drawn: dict[int, _Entry] = {}
        self._before: dict[int, _Entry] = {}
        self._older: dict[int, _Entry] = {}
        self.replayed = 0
        self.built = 0

    def capture_mobjects(self, mobjects: Iterable[Mobject], **kwargs: Any) -> None:
        super().capture_mobjects(mobjects, **kwargs)
        # Two captures back, not one: between two plays Manim captures the static image,
        # and the next play's frames still draw what the last play's did.
        self._older, self._before, self._drawn = self._before, self._drawn, {}

    def set_cairo_context_path(self, ctx: cairo.Context, vmobject: VMobject) -> Self:
        points = vmobject.points
        if len(points) == 0:
            # Manim leaves the previous path in place here; so must we.
            super().set_cairo_context_path(ctx, vmobject)
            return self
        key = id(vmobject)
        m = ctx.get_matrix()
        matrix = (m.xx, m.yx, m.xy, m.yy, m.x0, m.y0)
        known = self._drawn.get(key) or self._before.get(key) or self._older.get(key)
        # The mobject itself is kept in the entry, so its id cannot be reused by another.
        if (known is not None and known[0] is vmobject and known[2] == matrix
                and known[1].shape == points.shape and np.array_equal(known[1], points)):
            ctx.new_path()
            ctx.append_path(known[3])
            self._drawn[key] = known
            self.replayed += 1
            return self
        super().set_cairo_context_path(ctx, vmobject)
        self._drawn[key] = (vmobject, points.copy(), matrix, ctx.copy_path())
        self.built += 1
        return self
