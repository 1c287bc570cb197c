"""Moves that copy points, not mobjects: the stage's layout animations.

``figure.animate.scale(s).shift(v)`` and ``FadeOut(figure, shift=v)`` are Transforms, and a
Transform deep-copies its mobject three times when it begins (the start, the target, a copy of
the target). Each frame it then interpolates every attribute of every part. A figure is dozens of
glyphs and cells, and the stage moves whole rows of figures at every layout step, so these copies
were a tenth of a clip's scene Python. :class:`Glide` and :class:`SlideOut` keep only what
changes, each part's points (and for a fade its colours), and interpolate them with Manim's
straight-path formula ``(1 - t)·start + t·end``. The end comes from the same float operations
that ``scale`` (about the centre) and ``shift`` apply, so the path a student sees is Manim's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from manim import FadeOut, Mobject
from manim.animation.animation import Animation

__all__ = ["Glide", "Scroll", "SlideOut"]


_Path = tuple[Mobject, np.ndarray, np.ndarray]
_COLOURS = ("fill_rgbas", "stroke_rgbas", "background_stroke_rgbas")


def _ends(mobject: Any, shift: np.ndarray, scale: float) -> list[_Path]:
    """Each part with points: where it is, and where ``scale`` then ``shift`` put it."""
    about = mobject.get_center()  # Mobject.scale's default: about the centre
    paths = []
    for part in mobject.family_members_with_points():
        start = np.array(part.points, dtype=np.float64)
        end = start
        if scale != 1.0:
            end = (start - about) * scale + about
        end = end + shift
        paths.append((part, start, end))
    return paths


def _move(paths: list[_Path], t: float) -> None:
    """Manim's straight path: ``(1 - t)·start + t·end``."""
    for part, start, end in paths:
        part.points = (1 - t) * start + t * end


def _colours(part: Mobject) -> list[tuple[str, np.ndarray]]:
    """A part's colour arrays (fill, stroke, background stroke), as float copies."""
    found = []
    for name in _COLOURS:
        rgbas = getattr(part, name, None)
        if isinstance(rgbas, np.ndarray) and rgbas.size:
            found.append((name, np.array(rgbas, dtype=np.float64)))
    return found


class _PointsAnimation(Animation):
    """What the three share: ``begin`` records arrays (``_prepare``) instead of copying the
    mobject, and no other mobject takes part."""

    def _prepare(self) -> None:
        raise NotImplementedError

    def begin(self) -> None:
        self._prepare()
        if self.suspend_mobject_updating:
            self.mobject.suspend_updating()
        self.interpolate(0)

    def get_all_mobjects(self) -> list[Any]:
        return [self.mobject]


class Glide(_PointsAnimation):
    """``mobject.animate.scale(scale).shift(shift)``, copying points instead of the mobject."""

    def __init__(self, mobject: Mobject, shift: Any, scale: float = 1.0, **kwargs: Any) -> None:
        super().__init__(mobject, **kwargs)
        self.shift_by = np.asarray(shift, dtype=np.float64)
        self.scale_by = float(scale)
        self._paths: list[_Path] = []

    def _prepare(self) -> None:
        self._paths = _ends(self.mobject, self.shift_by, self.scale_by)

    def interpolate_mobject(self, alpha: float) -> None:
        _move(self._paths, self.rate_func(alpha))


class SlideOut(_PointsAnimation, FadeOut):
    """``FadeOut(mobject, shift=shift)``, copying points and colours instead of the mobject.

    Like FadeOut it removes the mobject from the scene at the end and puts its points and
    colours back as they were, so the mobject can be shown again later.
    """

    def __init__(self, mobject: Mobject, shift: Any = None, **kwargs: Any) -> None:
        shift = np.zeros(3) if shift is None else np.asarray(shift, dtype=np.float64)
        super().__init__(mobject, shift=shift, **kwargs)
        self._paths: list[_Path] = []
        self._fades: list[tuple[Mobject, str, np.ndarray, np.ndarray]] = []

    def _prepare(self) -> None:
        self._paths = _ends(self.mobject, np.asarray(self.shift_vector, dtype=np.float64), 1.0)
        self._fades = []
        for part, _, _ in self._paths:
            for name, rgbas in _colours(part):
                faded = rgbas.copy()
                faded[:, 3] = 0.0  # fade(1): every opacity to 0, the colours kept
                self._fades.append((part, name, rgbas, faded))

    def interpolate_mobject(self, alpha: float) -> None:
        t = self.rate_func(alpha)
        _move(self._paths, t)
        for part, name, start, end in self._fades:
            setattr(part, name, (1 - t) * start + t * end)

    def clean_up_from_scene(self, scene: Any = None) -> None:
        Animation.clean_up_from_scene(self, scene)
        self.interpolate(0)  # as FadeOut does: gone from the scene, whole again


class Scroll(_PointsAnimation):
    """Code lines sliding by ``shift`` behind a window of ``window`` line slots.

    ``.animate.shift(...).set_opacity(...)`` faded a line over the whole slide, so a line
    leaving the window was drawn, half faded, over the panel's top edge, and a line coming in
    showed below its bottom edge. Here a line's opacity follows its slot instead: full inside
    the window, none a third of a slot outside it. The slide moves the lines ``slots`` slots (the
    new first line's index minus the old one's), so line ``i`` is at slot
    ``i - first - t·slots`` at progress ``t``. At the end every line has exactly the opacity
    ``set_opacity`` gives it (1 in the window, 0 outside), as before.
    """

    def __init__(self, lines: Any, shift: Any, first: int, slots: int, window: int,
                 **kwargs: Any) -> None:
        super().__init__(lines, **kwargs)
        self.shift_by = np.asarray(shift, dtype=np.float64)
        self.first, self.slots, self.window = first, slots, window
        self._lines: list[tuple[int, bool, list[_Path]]] = []

    def _slot(self, index: int, t: float) -> float:
        return index - self.first - t * self.slots

    def _opacity(self, slot: float) -> float:
        outside = max(-slot, slot - (self.window - 1), 0.0)
        return min(1.0, max(0.0, 1.0 - 3.0 * outside))

    def _prepare(self) -> None:
        self._lines = []
        for index, line in enumerate(self.mobject.submobjects):
            start, end = self._slot(index, 0.0), self._slot(index, 1.0)
            # A line that never comes within a third of a slot of the window stays unseen.
            seen = min(start, end) < self.window - 2 / 3 and max(start, end) > -2 / 3
            self._lines.append((index, seen, _ends(line, self.shift_by, 1.0)))

    def interpolate_mobject(self, alpha: float) -> None:
        t = self.rate_func(alpha)
        for index, seen, paths in self._lines:
            _move(paths, t)
            if not seen:
                continue
            opacity = self._opacity(self._slot(index, t))
            for part, _, _ in paths:
                for name, rgbas in _colours(part):
                    rgbas[:, 3] = opacity
                    setattr(part, name, rgbas)

    def finish(self) -> None:
        super().finish()
        for index, line in enumerate(self.mobject.submobjects):
            line.set_opacity(self._opacity(self._slot(index, 1.0)))
