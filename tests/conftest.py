"""Shared pytest set-up: the flags Manim's frame comparison reads."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--set_test", action="store_true", default=False,
                     help="write the golden frames instead of comparing against them")
    parser.addoption("--show_diff", action="store_true", default=False,
                     help="show a picture of the difference when a golden frame test fails")


def pytest_configure(config: pytest.Config) -> None:
    # Manim skips its frame comparisons below cairo 1.18 because other cairo versions draw a
    # few pixels differently from Manim's own control frames. Our control frames are made with
    # the cairo this project installs (Debian bookworm's 1.16), the same one CI uses, so the
    # comparison is sound here: run it rather than skip it.
    import cairo
    from manim.utils.testing import frames_comparison

    frames_comparison.MIN_CAIRO_VERSION = min(frames_comparison.MIN_CAIRO_VERSION,
                                              cairo.cairo_version())
