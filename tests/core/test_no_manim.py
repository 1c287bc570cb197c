"""core/ is pure torch data: importing all of it must not import manim."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import core


def test_core_never_imports_manim() -> None:
    folder = Path(core.__file__).parent
    modules = sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__")
    assert "trace" in modules and "facts" in modules
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module('core.' + name)\n"
        "print('manim' in sys.modules, any(m.startswith('manim') for m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False False"
