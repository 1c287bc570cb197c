"""ErrorCard: an exception type and message exactly as the trace holds them, wrapped to fit."""

from __future__ import annotations

from manim import DOWN, LEFT, RoundedRectangle, VGroup

from core.model import ErrorFacts
from scenes.components.text import label, mono, wrapped
from scenes.theme import Theme

__all__ = ["ErrorCard"]


class ErrorCard(VGroup):
    """The failing code, then ``✗ RuntimeError`` and torch's message, on a bordered card.

    The cross and the heavy border say "error" without relying on the vermillion colour.

    Parts: ``panel``, ``code``, ``heading``, ``message``.
    """

    def __init__(self, error: ErrorFacts, theme: Theme, width: float = 11.0,
                 show_code: bool = True) -> None:
        super().__init__()
        self.error = error
        self.code = mono(f">>> {error.code}", theme, theme.code_size)
        self.heading = label(f"✗ {error.type}", theme, theme.body_size, theme.error,
                             weight="BOLD")
        self.message = wrapped(error.message, theme, width - 0.6, theme.small_size + 2,
                               monospace=True)
        # Without its code line where the code panel already marks the failing code.
        body = VGroup(*([self.code] if show_code else []), self.heading, self.message)
        body.arrange(DOWN, aligned_edge=LEFT, buff=0.18)
        if body.width > width - 0.5:
            body.scale_to_fit_width(width - 0.5)
        self.panel = RoundedRectangle(corner_radius=0.12, width=width, height=body.height + 0.45,
                                      fill_color=theme.panel, fill_opacity=1,
                                      stroke_color=theme.error, stroke_width=5)
        body.move_to(self.panel)
        self.add(self.panel, body)
