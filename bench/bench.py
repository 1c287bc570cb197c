"""Benchmark of the studio against plain `manim`, printed as ratios (run: python bench/bench.py)."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Four small clips of the one kind every checkout can draw: enough to show parallel speed-up,
# small enough that the benchmark runs in a few minutes.
LESSON = 'title = "Benchmark"\n' + "".join(
    f"""
[[clips]]
id = "bench-{name}"
kind = "elementwise-product"
title = "Bench {name.upper()}"
seed = {seed}
tensors.features = {{ shape = [1, 2] }}
tensors.weights = {{ like = "features" }}
code = "features * weights"
"""
    for name, seed in (("a", 21), ("b", 9), ("c", 31), ("d", 41))
)

MANIM_QUALITY = {"low": "-ql", "medium": "-qm", "high": "-qh", "4k": "-qk"}


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, **(env or {})})
    seconds = time.perf_counter() - start
    if run.returncode != 0:
        sys.exit(f"bench: {' '.join(command)} failed:\n{run.stdout}\n{run.stderr}")
    return seconds, run.stdout + run.stderr


def torchreel(lesson: Path, media: Path, quality: str, *extra: str) -> tuple[float, str]:
    return timed([sys.executable, "-m", "studio.cli", "render", "--lesson", str(lesson),
                  "--media", str(media), "--quality", quality, *extra])


def plain_manim(lesson: Path, clip: str, media: Path, quality: str) -> float:
    """What a course author did before: one `manim` process per clip."""
    manim = str(Path(sys.executable).with_name("manim"))
    seconds, _ = timed([manim, "render", MANIM_QUALITY[quality], "--disable_caching",
                        "--media_dir", str(media), "scenes/elementwise.py", "ElementwiseProduct"],
                       env={"TORCHREEL_LESSON": str(lesson), "TORCHREEL_CLIP": clip})
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quality", default="low", choices=sorted(MANIM_QUALITY))
    args = parser.parse_args()
    q = args.quality
    work = Path(tempfile.mkdtemp(prefix="torchreel-bench-"))
    try:
        lesson = work / "bench.toml"
        lesson.write_text(LESSON)
        clips = ["bench-a", "bench-b", "bench-c", "bench-d"]

        manim_each = [plain_manim(lesson, c, work / f"manim-{c}", q) for c in clips]
        manim_total = sum(manim_each)
        cold2, _ = torchreel(lesson, work / "jobs2", q, "--jobs", "2")
        cold1, _ = torchreel(lesson, work / "jobs1", q, "--jobs", "1")
        noop, out = torchreel(lesson, work / "jobs2", q, "--jobs", "2")
        assert "0 rendered" in out, out
        lesson.write_text(LESSON.replace("seed = 9", "seed = 10"))
        edit, out = torchreel(lesson, work / "jobs2", q, "--jobs", "2")
        assert "1 rendered" in out, out
        # The edited clip rendered alone with plain manim: the cost of the edit itself.
        manim_edited = plain_manim(lesson, "bench-b", work / "manim-edited", q)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"benchmark: {len(clips)} clips at {q} quality on {os.cpu_count()} cores")
    print(f"  plain manim, one process per clip: {manim_total:6.1f} s "
          f"({', '.join(f'{s:.1f}' for s in manim_each)})")
    print(f"  torchreel cold build --jobs 2:    {cold2:6.1f} s")
    print(f"  torchreel cold build --jobs 1:    {cold1:6.1f} s")
    print(f"  torchreel no-op rebuild:          {noop:6.1f} s")
    print(f"  torchreel one-clip edit:          {edit:6.1f} s "
          f"(that clip alone in plain manim: {manim_edited:.1f} s)")
    print("ratios:")
    print(f"  no-op rebuild vs plain manim re-render:   {manim_total / noop:5.1f}x faster "
          f"(target >= 20x)")
    print(f"  one-clip edit vs full rebuild:            {edit / cold2:5.2f}x the time")
    print(f"  one-clip edit vs that clip alone:         {edit / manim_edited:5.2f}x the time "
          f"(target <= 1.3x)")
    print(f"  --jobs 2 vs --jobs 1:                     {cold1 / cold2:5.2f}x faster "
          f"(target >= 1.6x)")
    print(f"  cold build vs one plain manim per clip:   {manim_total / cold2:5.2f}x faster")
    subprocess.run([sys.executable, str(ROOT / "bench" / "cluster.py"), "--quality", q], check=True)


if __name__ == "__main__":
    main()
