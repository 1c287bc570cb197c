"""BufferMarker: one memory block seen through two storage objects (NumPy's and torch's)."""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, RoundedRectangle, VGroup

from scenes.components.text import label
from scenes.theme import Theme

__all__ = ["BufferMarker"]


class BufferMarker(VGroup):
    """A tag saying whether two tensors share a buffer and whether they share a storage object.

    Both facts come from a trace's relation: ``= same buffer B0`` over ``two storage objects:
    ndarray and S0`` (NumPy's array, torch's storage) when only the memory is shared, as
    ``torch.from_numpy`` does. Symbol and words carry the meaning; the colour only repeats it.

    Parts: ``panel``, ``words`` (one line per fact); ``same_buffer`` and ``same_storage`` are
    the booleans it was built from.

    Examples
    --------
    ``BufferMarker(True, False, "B0", ("ndarray", "S0"), theme)``.
    """

    def __init__(self, same_buffer: bool, same_storage: bool, buffer: str,
                 storages: tuple[str, str], theme: Theme) -> None:
        super().__init__()
        self.same_buffer = same_buffer
        self.same_storage = same_storage
        color = theme.shared if same_buffer else theme.result
        first = f"= same buffer {buffer}" if same_buffer else f"≠ separate buffers ({buffer})"
        rest = ([f"= same storage {storages[1]}"] if same_storage
                else ["two storage objects:", f"{storages[0]} and {storages[1]}"])
        self.words = VGroup(label(first, theme, theme.small_size, color, weight="BOLD"),
                            *(label(line, theme, theme.small_size, theme.text) for line in rest))
        self.words.arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        self.panel = RoundedRectangle(corner_radius=0.1, width=self.words.width + 0.2,
                                      height=self.words.height + 0.25, fill_color=theme.panel,
                                      fill_opacity=1, stroke_color=color, stroke_width=2)
        self.words.move_to(self.panel).align_to(self.panel, LEFT).shift(RIGHT * 0.1)
        self.add(self.panel, self.words)
