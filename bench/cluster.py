"""Benchmark of rendering on a Dask cluster, printed as ratios (run: python bench/cluster.py).

One synthetic lesson of 16 small clips is built three times from nothing: on a LocalCluster of
one worker process, of two, and with today's local pool (--jobs 2). It prints clips per minute
for each, the cluster path's cost against the pool for the same work, and the client's serial
install step per clip, which bounds how far more machines can help.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIPS = 16

LESSON = 'title = "Cluster benchmark"\n' + "".join(
    f"""
[[clips]]
id = "clip-{n:02d}"
title = "Clip {n}"
seed = {n}
tensors.x = {{ shape = [1, 2] }}
code = "y = x * 2"
"""
    for n in range(CLIPS)
)
INSTALL = re.compile(r"cluster: (\d+) clip\(s\) from \S+, ([0-9.]+) MB shipped; client install "
                     r"([0-9.]+) s in all")


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def render(lesson: Path, media: Path, quality: str, *extra: str) -> tuple[float, float, str]:
    """Wall-clock seconds, CPU seconds of the build and all its processes, and its log."""
    start, cpu = time.perf_counter(), _children_cpu()
    run = subprocess.run([sys.executable, "-m", "studio.cli", "render", "--lesson", str(lesson),
                          "--media", str(media), "--quality", quality, "--voice", "none",
                          *extra], cwd=ROOT, capture_output=True, text=True)
    seconds, cpu = time.perf_counter() - start, _children_cpu() - cpu
    if run.returncode != 0 or f"{CLIPS} rendered" not in run.stdout:
        sys.exit(f"bench: render {' '.join(extra)} failed:\n{run.stdout}\n{run.stderr}")
    return seconds, cpu, run.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quality", default="low", choices=("low", "medium", "high", "test"))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="torchreel-bench-cluster-"))
    try:
        lesson = work / "bench.toml"
        lesson.write_text(LESSON)
        one, one_cpu, _ = render(lesson, work / "local1", args.quality, "--scheduler", "local:1")
        two, two_cpu, log = render(lesson, work / "local2", args.quality, "--scheduler",
                                   "local:2")
        pool, pool_cpu, _ = render(lesson, work / "pool", args.quality, "--jobs", "2")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    found = INSTALL.search(log)
    if found is None:
        sys.exit(f"bench: no install line in the local:2 build's log:\n{log}")
    installed, shipped_mb, install_s = int(found[1]), float(found[2]), float(found[3])
    per_clip = install_s / installed

    def rate(seconds: float) -> float:
        return CLIPS / seconds * 60

    print(f"cluster benchmark: {CLIPS} clips at {args.quality} quality on {os.cpu_count()} cores "
          f"(whole builds from nothing, wall clock, cluster start included)")
    print(f"  --scheduler local:1:   {one:6.1f} s  {rate(one):5.1f} clips/min  "
          f"{one_cpu:6.1f} CPU-s")
    print(f"  --scheduler local:2:   {two:6.1f} s  {rate(two):5.1f} clips/min  "
          f"{two_cpu:6.1f} CPU-s")
    print(f"  --jobs 2 (local pool): {pool:6.1f} s  {rate(pool):5.1f} clips/min  "
          f"{pool_cpu:6.1f} CPU-s")
    print(f"  load average at the end: {os.getloadavg()[0]:.1f} (other work on this machine "
          f"slows every wall-clock number; CPU-s are less affected)")
    print(f"  client install step:  {1000 * per_clip:6.0f} ms per clip "
          f"({shipped_mb / installed:.2f} MB shipped per clip)")
    print("ratios:")
    print(f"  local:2 vs local:1:                 {one / two:5.2f}x the clips per minute")
    print(f"  cluster local:2 vs --jobs 2 pool:   {two / pool:5.2f}x the time, "
          f"{two_cpu / pool_cpu:5.2f}x the CPU (overhead ratio)")
    print(f"  install step vs one clip's render:  {per_clip / (one / CLIPS):7.4f} of it "
          f"(serial part; past {one / CLIPS / per_clip:.0f} workers the client is the limit)")


if __name__ == "__main__":
    main()
