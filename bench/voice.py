"""What narration costs: a full default-lesson build narrated vs silent, printed as ratios
(run: python bench/voice.py)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build(media: Path, quality: str, *extra: str,
          env: dict[str, str] | None = None) -> tuple[float, str]:
    command = [sys.executable, "-m", "studio.cli", "render", "--lesson",
               str(ROOT / "lessons" / "default.toml"), "--media", str(media),
               "--quality", quality, *extra]
    start = time.perf_counter()
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, **(env or {})})
    seconds = time.perf_counter() - start
    if run.returncode != 0:
        sys.exit(f"bench: {' '.join(command)} failed:\n{run.stdout}\n{run.stderr}")
    return seconds, run.stdout + run.stderr


def video_seconds(media: Path) -> float:
    clips = json.loads((media / "manifest.json").read_text())["clips"]
    return float(sum(c["duration_s"] for c in clips))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quality", default="low", choices=("low", "medium", "high", "4k"))
    args = parser.parse_args()
    from studio.voice import silent_reason

    reason = silent_reason("joe")
    if reason is not None:
        sys.exit(f"bench: narration not measured: {reason}")
    work = Path(tempfile.mkdtemp(prefix="torchreel-voice-bench-"))
    try:
        log = work / "synthesised.txt"
        silent, _ = build(work / "silent", args.quality, "--voice", "none")
        cold, _ = build(work / "narrated", args.quality, "--voice", "joe",
                        env={"TORCHREEL_VOICE_LOG": str(log)})
        sentences = len(log.read_text().splitlines())
        # Speech cached: what narration costs on every later render (longer clips, muxing).
        warm, _ = build(work / "narrated", args.quality, "--voice", "joe", "--force",
                        env={"TORCHREEL_VOICE_LOG": str(log)})
        again = len(log.read_text().splitlines()) - sentences
        silent_video = video_seconds(work / "silent")
        narrated_video = video_seconds(work / "narrated")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"narration benchmark: the default lesson at {args.quality} quality on "
          f"{os.cpu_count()} cores")
    print(f"  silent build (--voice none):          {silent:7.1f} s, "
          f"{silent_video:6.1f} s of video")
    print(f"  narrated build, speech not cached:    {cold:7.1f} s, "
          f"{narrated_video:6.1f} s of video, {sentences} sentences synthesised")
    print(f"  narrated build again (--force), cached: {warm:5.1f} s, {again} synthesised")
    print("ratios:")
    print(f"  narrated vs silent build, first time:  {cold / silent:5.2f}x the time")
    print(f"  narrated vs silent build, speech cached: {warm / silent:5.2f}x the time")
    print(f"  narrated vs silent video length:       {narrated_video / silent_video:5.2f}x")


if __name__ == "__main__":
    main()
