"""StorageMarker: "same storage" or "new storage", as torch's data pointers decided it."""

from __future__ import annotations

from manim import RoundedRectangle, VGroup

from scenes.components.text import label
from scenes.theme import Theme

__all__ = ["StorageMarker"]


class StorageMarker(VGroup):
    """A tag saying whether two tensors share one storage, driven by a trace boolean.

    ``same storage S0`` on a solid border, or ``new storage S1`` on a heavier one (with a
    subject, a sentence: ``f is a copy: new storage S1``): the words and the border carry the
    meaning, the colour only repeats it.

    Parts: ``panel``, ``words``; ``same`` is the boolean it was built from.
    """

    def __init__(self, same: bool, storage: str, theme: Theme, subject: str = "",
                 stacked: bool = False) -> None:
        super().__init__()
        self.same = same
        self.storage = storage
        color = theme.shared if same else theme.result
        text = f"same storage {storage}" if same else f"new storage {storage}"
        if subject:
            # A sentence: "f: ≠ new storage S1" made students ask what f differs from.
            text = (f"{subject} reads the same storage {storage}" if same
                    else f"{subject} is a copy: new storage {storage}")
        if stacked:
            text = text.replace(f" {storage}", f"\n{storage}")
        self.words = label(text, theme, theme.small_size + 2, color, weight="BOLD")
        self.panel = RoundedRectangle(corner_radius=0.1, width=self.words.width + 0.35,
                                      height=self.words.height + 0.25, fill_color=theme.panel,
                                      fill_opacity=1, stroke_color=color,
                                      stroke_width=2 if same else 4)
        self.words.move_to(self.panel)
        self.add(self.panel, self.words)
