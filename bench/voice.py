"""What narration costs: a full default-lesson build narrated vs silent, printed as ratios
(run: python bench/voice.py)."""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _cpu() -> float:
    """CPU seconds of every finished child process (render workers included)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def build(media: Path, quality: str, *extra: str,
          env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall and CPU seconds of one build. CPU time is what the ratio uses: on a machine shared
    with other work it barely moves, while wall time follows the load."""
    command = [sys.executable, "-m", "studio.cli", "render", "--lesson",
               str(ROOT / "lessons" / "default.toml"), "--media", str(media),
               "--quality", quality, *extra]
    start, cpu = time.perf_counter(), _cpu()
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, **(env or {})})
    seconds = time.perf_counter() - start
    # 1: some clip failed to render. Both builds still compare, over the clips they made.
    if run.returncode not in (0, 1) or not (media / "manifest.json").exists():
        sys.exit(f"bench: {' '.join(command)} failed:\n{run.stdout}\n{run.stderr}")
    if run.returncode == 1:
        print(f"bench: warning: a clip failed in {media.name}:\n{run.stdout}", file=sys.stderr)
    return seconds, _cpu() - cpu


def video_seconds(media: Path) -> tuple[float, int]:
    clips = json.loads((media / "manifest.json").read_text())["clips"]
    return float(sum(c["duration_s"] for c in clips)), len(clips)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quality", default="low", choices=("low", "medium", "high", "4k"))
    parser.add_argument("--cached", action="store_true",
                        help="also time a forced narrated rebuild with the speech cached")
    args = parser.parse_args()
    from studio.voice import silent_reason

    reason = silent_reason("joe")
    if reason is not None:
        sys.exit(f"bench: narration not measured: {reason}")
    work = Path(tempfile.mkdtemp(prefix="torchreel-voice-bench-"))
    try:
        log = work / "synthesised.txt"
        silent, silent_cpu = build(work / "silent", args.quality, "--voice", "none")
        cold, cold_cpu = build(work / "narrated", args.quality, "--voice", "joe",
                               env={"TORCHREEL_VOICE_LOG": str(log)})
        sentences = len(log.read_text().splitlines())
        warm = warm_cpu = None
        if args.cached:
            # Speech cached: what narration costs on every later render (longer clips, mux).
            warm, warm_cpu = build(work / "narrated", args.quality, "--voice", "joe",
                                   "--force", env={"TORCHREEL_VOICE_LOG": str(log)})
            assert len(log.read_text().splitlines()) == sentences, "synthesised again"
        silent_video, silent_clips = video_seconds(work / "silent")
        narrated_video, narrated_clips = video_seconds(work / "narrated")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"narration benchmark: the default lesson at {args.quality} quality on "
          f"{os.cpu_count()} cores")
    print(f"  silent build (--voice none):        {silent_cpu:7.1f} s CPU, {silent:6.1f} s wall, "
          f"{silent_video:6.1f} s of video in {silent_clips} clips")
    print(f"  narrated build, speech not cached:  {cold_cpu:7.1f} s CPU, {cold:6.1f} s wall, "
          f"{narrated_video:6.1f} s of video in {narrated_clips} clips, {sentences} sentences "
          "synthesised")
    if warm is not None and warm_cpu is not None:
        print(f"  narrated, speech cached (--force):  {warm_cpu:7.1f} s CPU, {warm:6.1f} s wall, "
              "nothing synthesised")
    print("ratios:")
    print(f"  narrated vs silent build, CPU time:   {cold_cpu / silent_cpu:5.2f}x")
    print(f"  narrated vs silent build, wall time:  {cold / silent:5.2f}x (follows the load)")
    if warm_cpu is not None:
        print(f"  narrated with speech cached vs silent, CPU time: {warm_cpu / silent_cpu:5.2f}x")
    print(f"  narrated vs silent video length:      {narrated_video / silent_video:5.2f}x")


if __name__ == "__main__":
    main()
