"""The ``%%torchreel`` cell magic: the cell is a snippet; its clip appears under the cell.

    %load_ext torchreel

    %%torchreel --theme light
    x = torch.arange(6.).view(2, 3)
    y = x.t()
"""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

from core.lesson import LessonError
from studio.guard import MediaError
from studio.presets import PUBLIC_QUALITIES, QUALITIES

__all__ = ["register", "torchreel_cell"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="%%torchreel", add_help=False, exit_on_error=False)
    # "test" is the tests' tiny size; --help lists only the public ones.
    parser.add_argument("--quality", default="low", choices=[*PUBLIC_QUALITIES, "test"])
    parser.add_argument("--theme", default="dark", choices=["dark", "light"])
    parser.add_argument("--seed", default=0, type=int)
    parser.add_argument("--media", default="media")
    return parser


def torchreel_cell(line: str, cell: str) -> Any:
    """Build the cell's code as one clip and return it for display; bad input prints one line."""
    from torchreel import ShowError, show

    try:
        options = _parser().parse_args(shlex.split(line))
    except (argparse.ArgumentError, ValueError) as exc:
        print(f"%%torchreel: {exc}", file=sys.stderr)
        return None
    except SystemExit:  # argparse has printed its one line already
        return None
    assert options.quality in QUALITIES
    try:
        return show(code=cell, seed=options.seed, quality=options.quality, theme=options.theme,
                    media=options.media)
    except (LessonError, MediaError, ShowError) as exc:
        print(f"torchreel: {exc}", file=sys.stderr)
        return None


def register(ipython: Any) -> None:
    ipython.register_magic_function(torchreel_cell, magic_kind="cell", magic_name="torchreel")
