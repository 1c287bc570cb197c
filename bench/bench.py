"""Benchmark of the studio against plain `manim`, printed as ratios (run: python bench/bench.py).

Costs are CPU-seconds of every process a command starts (this process's waited-for children),
so other work on the machine slows the wall clock but not the figures; each is the minimum
of ``--repeat`` runs. Sections (``--sections``, default all but frames):

  manim   one clip rendered by plain `manim` and by torchreel at high (1080p60) and low
          (480p15), CPU-s and the cost model: CPU-s per output frame and per drawn frame.
          Like with like: plain manim writes one MP4; torchreel one MP4 (no --webm) plus the
          poster, storyboard, captions, trace and gallery
  held    the encoders' CPU-s for that clip with held frames encoded once vs every frame time,
          x264 vs VP9 (the opt-in WebM) and their sizes
  watch   `torchreel watch`: seconds from saving a one-value lesson edit to the printed
          storyboard of the edited clip, and to its video
  noop    a no-op rebuild vs a bare Python start (wall seconds: there is no work to measure)
  jobs    a cold build of six clips with --jobs 2 vs --jobs 1 (wall seconds; with the load
          average, and the CPU-s over wall seconds each build kept busy)
  x264    the clip's first 600 distinct frames at 1080p encoded with x264's veryfast
          preset as it comes and with the options studio.encode uses: CPU-s, size, PSNR
  frames  StillLayerRenderer and PathReplayCamera vs Manim's CairoRenderer and Camera, every
          default clip, every frame byte for byte
  cluster bench/cluster.py (issue 12)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LESSON = ROOT / "lessons" / "default.toml"
MANIM_QUALITY = {"low": "-ql", "medium": "-qm", "high": "-qh", "4k": "-qk"}
FPS = {"low": 15, "medium": 30, "high": 60, "4k": 60}


def clip_block(clip_id: str, lesson: Path = DEFAULT_LESSON) -> str:
    """The ``[[clips]]`` table of one clip, as the lesson writes it."""
    for block in lesson.read_text(encoding="utf-8").split("[[clips]]")[1:]:
        if re.search(rf'^id = "{re.escape(clip_id)}"$', block, re.MULTILINE):
            return "[[clips]]" + block.rstrip() + "\n"
    sys.exit(f"bench: no clip {clip_id!r} in {lesson}")


def lesson_text(*clip_ids: str, rename: dict[str, str] | None = None) -> str:
    head = DEFAULT_LESSON.read_text(encoding="utf-8").split("[[clips]]")[0]
    blocks = []
    for clip_id in clip_ids:
        block = clip_block(clip_id)
        new = (rename or {}).get(clip_id)
        if new:
            block = block.replace(f'id = "{clip_id}"', f'id = "{new}"', 1)
        blocks.append(block)
    return head + "\n".join(blocks)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall seconds, CPU-seconds (the command and every process it waited for), output."""
    cpu, start = children_cpu(), time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    wall, used = time.perf_counter() - start, children_cpu() - cpu
    if done.returncode != 0:
        sys.exit(f"bench: {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return wall, used, done.stdout + done.stderr


def torchreel(*args: str) -> tuple[float, float, str]:
    # Silent clips: plain manim draws no narration either.
    return run([sys.executable, "-m", "studio.cli", *args, "--voice", "none"])


def scene_of(clip_id: str) -> tuple[str, str]:
    """The module file and Scene class plain `manim` renders for a default clip."""
    sys.path.insert(0, str(ROOT))
    from core.lesson import load_lesson
    from scenes.registry import SCENES

    module, cls = SCENES[load_lesson(str(DEFAULT_LESSON)).clip(clip_id).kind]
    return module.replace(".", "/") + ".py", cls


def plain_manim(lesson: Path, clip_id: str, media: Path, quality: str) -> float:
    """What a course author did before: `manim` renders the clip's scene (CPU-s)."""
    module, cls = scene_of(clip_id)
    manim = str(Path(sys.executable).with_name("manim"))
    _, cpu, _ = run([manim, "render", MANIM_QUALITY[quality], "--disable_caching",
                     "--media_dir", str(media), module, cls],
                    env={"TORCHREEL_LESSON": str(lesson), "TORCHREEL_CLIP": clip_id})
    return cpu


def decoded_frames(path: Path) -> int:
    import av

    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def section_manim(work: Path, clip: str, repeat: int, report: list[str]) -> None:
    lesson = work / "one.toml"
    lesson.write_text(lesson_text(clip), encoding="utf-8")
    for quality, target in (("high", 2.5), ("low", 2.0)):
        plain = min(plain_manim(lesson, clip, work / f"manim-{quality}-{n}", quality)
                    for n in range(repeat))
        ours = []
        for n in range(repeat):
            media = work / f"ours-{quality}-{n}"
            ours.append(torchreel("render", clip, "--lesson", str(lesson), "--media",
                                  str(media), "--quality", quality, "--jobs", "1")[1])
        entry = json.loads((media / "manifest.json").read_text())["clips"][0]
        output = round(entry["duration_s"] * FPS[quality])
        drawn = decoded_frames(media / entry["files"]["mp4"])
        best = min(ours)
        report.append(f"  {clip} at {quality}: plain manim {plain:6.1f} CPU-s (one mp4), "
                      f"torchreel {best:6.1f} CPU-s (one mp4, poster, storyboard, captions): "
                      f"{plain / best:4.2f}x less (target >= {target}x)")
        report.append(f"    cost model: {best / output * 1000:6.1f} CPU-ms per output frame "
                      f"({output}), {best / drawn * 1000:6.1f} per encoded frame ({drawn}); "
                      f"plain manim {plain / output * 1000:6.1f} per output frame")


PROBE = """
import json, sys, time, threading
sys.path.insert(0, {root!r})
from pathlib import Path
import studio.encode as encode
from core.lesson import load_lesson
from studio.build import plan_clips
from studio.render import RenderJob, render_clip

every = {every!r}
cpu = []
original = encode.Encoders._encode_all

def timed(self):
    start = time.thread_time()
    original(self)
    cpu.append(time.thread_time() - start)

def every_frame(self, rgba, run, rows, index):
    # Before held frames: every frame time encoded, each converted whole (the comparison,
    # not the product).
    frame = encode.av.VideoFrame.from_ndarray(rgba[:, :, :4], format="rgba")
    yuv = frame.reformat(format="yuv420p")
    for k in range(run):
        for video in self.videos:
            video.add(yuv, index + k)
    self.encoded += run
    return index + run

by_codec = {{"mp4": 0.0, "webm": 0.0}}
original_add = encode._Video.add

def add(self, frame, index, frames=1):
    start = time.thread_time()
    original_add(self, frame, index, frames)
    by_codec["mp4" if self.out.format.name == "mp4" else "webm"] += (
        time.thread_time() - start)

encode.Encoders._encode_all = timed
encode._Video.add = add

# Where the rendering thread's CPU goes: drawing (the camera), the storyboard, the rest
# (Manim's scene: building mobjects, animation set-up, interpolation). Thread CPU, so the
# encoder thread's share is apart.
parts = {{"draw": 0.0, "storyboard": 0.0}}

def timing(owner, name, part):
    inner = getattr(owner, name)
    def timed_call(*args, **kwargs):
        start = time.thread_time()
        try:
            return inner(*args, **kwargs)
        finally:
            parts[part] += time.thread_time() - start
    setattr(owner, name, timed_call)

import scenes.fastcairo, studio.storyboard
timing(scenes.fastcairo.StillLayerRenderer, "update_frame", "draw")
timing(studio.storyboard, "contact_sheet", "storyboard")
if every:
    encode.Encoders._encode_run = every_frame
lesson = load_lesson({lesson!r})
plan = plan_clips(lesson, ({clip!r},), {quality!r}, "dark")[0]
media = Path({media!r})
(media / {clip!r}).mkdir(parents=True)
job = RenderJob(clip_id={clip!r}, title=plan.clip.title, kind=plan.clip.kind,
                seed=plan.clip.seed, trace_json=plan.trace_json, hash=plan.hash,
                quality={quality!r}, theme="dark", media=str(media), gif=False, webm=True)
setup = time.process_time()
result = render_clip(job)
assert result.entry is not None, result.error
total = time.process_time()
stage = Path(result.stage)
print(json.dumps({{"cpu": cpu[0], "x264": by_codec["mp4"], "vp9": by_codec["webm"],
                  "setup": setup, "total": total, **parts,
                  "mp4": (stage / f"{clip}.mp4").stat().st_size,
                  "webm": (stage / f"{clip}.webm").stat().st_size}}))
"""


# A default clip rendered in a child process, each frame handed to sink(pixels, repeat).
SCENE = """
import sys
sys.path.insert(0, {root!r})
from manim import Camera, tempconfig
from manim.renderer.cairo_renderer import CairoRenderer
from core.lesson import load_lesson
from core.trace import trace_clip
from scenes.fastcairo import PathReplayCamera, StillLayerRenderer
from scenes.registry import scene_class
from scenes.theme import THEMES
from studio.render import _writer_class, whole_frames

def render(clip, sink, width, height, fps, media, renderer_class=StillLayerRenderer,
           camera=PathReplayCamera):
    lesson = load_lesson(None)
    spec = lesson.clip(clip)
    trace = trace_clip(lesson, clip)
    with tempconfig({{"pixel_width": width, "pixel_height": height, "frame_rate": fps,
                     "disable_caching": True, "write_to_movie": True, "save_sections": False,
                     "preview": False, "verbosity": "ERROR", "progress_bar": "none",
                     "media_dir": media}}):
        renderer = renderer_class(file_writer_class=_writer_class(whole_frames(sink)),
                                  camera_class=camera)
        scene_class(spec.kind)(trace=trace, theme=THEMES["dark"], renderer=renderer,
                               random_seed=spec.seed).render()
"""

X264 = SCENE + """
import json, os, time
from fractions import Fraction
import av, numpy as np
from studio.encode import X264_OPTIONS
from studio.yuv import YuvFrames, changed_rows

frames, last = [], [None]
convert = YuvFrames(1920, 1080)

class Enough(Exception):
    pass

def sink(pixels, repeat):
    rows = None if last[0] is None else changed_rows(last[0], pixels)
    if last[0] is not None and rows is None:
        return
    last[0] = pixels.copy()
    frames.append(convert.frame(pixels, rows).to_ndarray())
    if len(frames) == {count}:
        raise Enough

try:
    render({clip!r}, sink, 1920, 1080, 60, {media!r})
except Enough:
    pass
def encode(options, path):
    out = av.open(path, "w", format="mp4")
    stream = out.add_stream("libx264", rate=60)
    stream.width, stream.height, stream.pix_fmt = 1920, 1080, "yuv420p"
    stream.time_base = Fraction(1, 60)
    stream.codec_context.thread_count = 1
    stream.options = options
    start = time.process_time()
    for index, planes in enumerate(frames):
        frame = av.VideoFrame.from_ndarray(planes, format="yuv420p")
        frame.pts = index
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)
    out.close()
    cpu = time.process_time() - start
    errors = []
    with av.open(path) as back:
        for index, frame in enumerate(back.decode(video=0)):
            diff = frame.to_ndarray(format="yuv420p").astype(np.float64) - frames[index]
            errors.append(float(np.mean(diff ** 2)))
    psnr = float(np.mean([10 * np.log10(255 ** 2 / max(e, 1e-9)) for e in errors]))
    return {{"cpu": cpu, "size": os.path.getsize(path), "psnr": psnr}}

preset = {{k: v for k, v in X264_OPTIONS.items() if k != "x264-params"}}
print(json.dumps({{"frames": len(frames),
                  "preset": encode(preset, {media!r} + "/preset.mp4"),
                  "ours": encode(X264_OPTIONS, {media!r} + "/ours.mp4")}}))
"""


def section_x264(work: Path, clip: str, repeat: int, report: list[str]) -> None:
    media = work / "x264"
    media.mkdir()
    runs = [json.loads(run([sys.executable, "-c", X264.format(
        root=str(ROOT), clip=clip, count=600, media=str(media))])[2].splitlines()[-1])
        for _ in range(repeat)]
    preset = min((r["preset"] for r in runs), key=lambda r: float(r["cpu"]))
    ours = min((r["ours"] for r in runs), key=lambda r: float(r["cpu"]))
    report.append(f"  x264 on {runs[0]['frames']} distinct frames of {clip} at 1080p: veryfast "
                  f"{preset['cpu']:5.1f} CPU-s, {preset['size'] // 1024} KiB, PSNR "
                  f"{preset['psnr']:4.1f} dB; studio.encode's options {ours['cpu']:5.1f} CPU-s "
                  f"({preset['cpu'] / ours['cpu']:4.2f}x less), {ours['size'] // 1024} KiB, "
                  f"PSNR {ours['psnr']:4.1f} dB")


def section_held(work: Path, clip: str, quality: str, repeat: int, report: list[str]) -> None:
    lesson = work / "held.toml"
    lesson.write_text(lesson_text(clip), encoding="utf-8")
    found: dict[bool, dict[str, Any]] = {}
    for every in (True, False):
        runs = []
        for n in range(repeat):
            code = PROBE.format(root=str(ROOT), every=every, lesson=str(lesson), clip=clip,
                                quality=quality, media=str(work / f"held-{every}-{n}"))
            runs.append(json.loads(run([sys.executable, "-c", code])[2].splitlines()[-1]))
        found[every] = min(runs, key=lambda r: float(r["cpu"]))
    old, new = found[True], found[False]
    report.append(f"  held frames ({clip} at {quality}): encoders {old['cpu']:5.1f} -> "
                  f"{new['cpu']:5.1f} CPU-s ({old['cpu'] / new['cpu']:4.2f}x less); mp4 "
                  f"{old['mp4'] // 1024} -> {new['mp4'] // 1024} KiB, webm "
                  f"{old['webm'] // 1024} -> {new['webm'] // 1024} KiB")
    rest = new["total"] - new["setup"] - new["cpu"] - new["draw"] - new["storyboard"]
    other = new["cpu"] - new["x264"] - new["vp9"]
    report.append(f"    where one render's {new['total']:5.1f} CPU-s go (in one process, with "
                  f"--webm): imports and trace {new['setup']:4.1f}, Manim (import, mobjects, "
                  f"set-up, interpolation) {rest:4.1f}, drawing {new['draw']:4.1f}, x264 "
                  f"{new['x264']:4.1f}, VP9 {new['vp9']:4.1f}, rgba->yuv and held-frame "
                  f"compare {other:4.1f}, storyboard sheet {new['storyboard']:4.1f}")
    report.append(f"    of the encoders' CPU-s now: x264 {new['x264']:5.1f}, VP9 {new['vp9']:5.1f} "
                  f"(WebM {new['webm'] / new['mp4']:4.2f}x the MP4's size: VP9 is opt-in, "
                  f"--webm)")


def section_watch(work: Path, clip: str, report: list[str]) -> Path:
    """Time a one-value edit in `torchreel watch` at low quality; returns the lesson's media."""
    folder = work / "watch"
    folder.mkdir()
    lesson = folder / "lesson.toml"
    other = "elementwise-product" if clip != "elementwise-product" else "sum"
    lesson.write_text(lesson_text(clip, other), encoding="utf-8")
    media = folder / "media"
    torchreel("render", "--lesson", str(lesson), "--media", str(media), "--quality", "low")
    log = folder / "watch.log"
    with open(log, "w") as sink:
        watcher = subprocess.Popen([sys.executable, "-m", "studio.cli", "watch", "--lesson",
                                    str(lesson), "--media", str(media), "--quality", "low",
                                    "--voice", "none"],
                                   cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT,
                                   start_new_session=True,
                                   # A shell's background job ignores SIGINT, and so would
                                   # the watcher, which Ctrl-C (SIGINT) stops.
                                   preexec_fn=lambda: signal.signal(signal.SIGINT,
                                                                    signal.SIG_DFL))
    try:
        # Ready once the first build has printed its summary and the imports have warmed up.
        wait_for(log, "already up to date", 600)
        time.sleep(20)
        text = lesson.read_text(encoding="utf-8")
        block = clip_block(clip, lesson)
        edited = block.replace(f'id = "{clip}"\n', f'id = "{clip}"\nseed = 8\n', 1)
        temporary = folder / ".lesson.toml.tmp"
        temporary.write_text(text.replace(block, edited), encoding="utf-8")
        # Only what the watcher prints after the save counts.
        since = len(log.read_text(encoding="utf-8", errors="replace"))
        saved = time.monotonic()
        os.replace(temporary, lesson)  # an editor's save: write, then rename
        wait_for(log, f"storyboard of {clip}", 600, since)
        storyboard = time.monotonic() - saved
        wait_for(log, "1 rendered", 900, since)
        video = time.monotonic() - saved
    finally:
        os.killpg(watcher.pid, signal.SIGINT)
        watcher.wait(timeout=60)
    report.append(f"  watch, one-value edit of {clip} at low: storyboard printed "
                  f"{storyboard:5.1f} s after the save (target <= 10 s), video "
                  f"{video:5.1f} s")
    return media


def wait_for(log: Path, text: str, timeout: float, since: int = 0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log.read_text(encoding="utf-8", errors="replace")[since:]:
            return
        time.sleep(0.05)
    sys.exit(f"bench: {text!r} never appeared in {log}:\n{log.read_text()}")


def section_noop(media: Path, lesson: Path, repeat: int, report: list[str]) -> None:
    bare = min(run([sys.executable, "-c", "pass"])[0] for _ in range(max(repeat, 5)))
    noops = []
    for _ in range(max(repeat, 3)):
        wall, _, out = torchreel("render", "--lesson", str(lesson), "--media", str(media),
                                 "--quality", "low")
        assert "0 rendered" in out, out
        noops.append(wall)
    report.append(f"  no-op rebuild ({lesson.name}, 2 clips): {min(noops):5.2f} s vs a bare "
                  f"Python start {bare:5.3f} s: {min(noops) / bare:5.1f}x (target <= 10x)")


def section_jobs(work: Path, report: list[str]) -> None:
    clips = ("elementwise-product", "sum", "view", "reshape", "strides", "resize")
    lesson = work / "jobs.toml"
    lesson.write_text(lesson_text(*clips), encoding="utf-8")
    load = os.getloadavg()[0]
    two = torchreel("render", "--lesson", str(lesson), "--media", str(work / "jobs2"),
                    "--quality", "low", "--jobs", "2")
    one = torchreel("render", "--lesson", str(lesson), "--media", str(work / "jobs1"),
                    "--quality", "low", "--jobs", "1")
    report.append(f"  --jobs 2 vs --jobs 1, {len(clips)} clips at low: {one[0]:6.1f} s vs "
                  f"{two[0]:6.1f} s wall: {one[0] / two[0]:4.2f}x faster (target >= 1.8x; "
                  f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after: "
                  f"meaningful below ~1.5)")
    report.append(f"    CPU-s {one[1]:.1f} vs {two[1]:.1f}; cores kept busy (CPU-s / wall): "
                  f"{one[1] / one[0]:4.2f} vs {two[1] / two[0]:4.2f} (2 at best)")


FRAMES = SCENE + """
import hashlib, json

out = {{}}
for renderer_class, camera in ((StillLayerRenderer, PathReplayCamera),
                              (CairoRenderer, Camera)):
    digest = hashlib.sha256()
    count = [0]
    def sink(pixels, repeat):
        digest.update(pixels.tobytes() + repeat.to_bytes(4, "little"))
        count[0] += repeat
    render({clip!r}, sink, {width}, {height}, {fps}, {media!r}, renderer_class, camera)
    out[camera.__name__] = [digest.hexdigest(), count[0]]
print(json.dumps(out))
"""


def section_frames(work: Path, qualities: list[str], report: list[str]) -> None:
    sizes = {"low": (854, 480, 15), "high": (1920, 1080, 60)}
    sys.path.insert(0, str(ROOT))
    from core.lesson import load_lesson

    clips = [c.id for c in load_lesson(str(DEFAULT_LESSON)).clips]
    for quality in qualities:
        width, height, fps = sizes[quality]
        same, frames = [], 0
        for clip in clips:
            code = FRAMES.format(root=str(ROOT), clip=clip, width=width, height=height, fps=fps,
                                 media=str(work / "frames"))
            found = json.loads(run([sys.executable, "-c", code])[2].splitlines()[-1])
            same.append(found["PathReplayCamera"] == found["Camera"])
            frames += found["Camera"][1]
            if not same[-1]:
                report.append(f"  FRAMES DIFFER: {clip} at {quality}")
        report.append(f"  StillLayerRenderer and PathReplayCamera vs Manim's renderer and camera "
                      f"at {quality}: {sum(same)} of {len(clips)} default clips byte-identical "
                      f"({frames} frames)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sections", default="manim,held,x264,watch,noop,jobs,cluster",
                        help="comma-separated: manim,held,x264,watch,noop,jobs,frames,"
                             "cluster")
    parser.add_argument("--clip", default="view", help="the default lesson's clip to measure")
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure; the minimum")
    parser.add_argument("--frames-quality", default="low", help="low, high or low,high")
    parser.add_argument("--quality", default="low", choices=sorted(MANIM_QUALITY),
                        help="for bench/cluster.py")
    args = parser.parse_args()
    sections = set(args.sections.split(","))
    work = Path(tempfile.mkdtemp(prefix="torchreel-bench-"))
    report: list[str] = []
    started = time.perf_counter()
    try:
        if "manim" in sections:
            section_manim(work, args.clip, args.repeat, report)
        if "held" in sections:
            section_held(work, args.clip, "low", args.repeat, report)
        if "x264" in sections:
            section_x264(work, args.clip, args.repeat, report)
        if "watch" in sections or "noop" in sections:
            media = section_watch(work, args.clip, report) if "watch" in sections else None
            if "noop" in sections:
                if media is None:
                    lesson = work / "watch-lesson.toml"
                    lesson.write_text(lesson_text(args.clip, "elementwise-product"))
                    media = work / "noop-media"
                    torchreel("render", "--lesson", str(lesson), "--media", str(media),
                              "--quality", "low")
                else:
                    lesson = media.parent / "lesson.toml"
                section_noop(media, lesson, args.repeat, report)
        if "jobs" in sections:
            section_jobs(work, report)
        if "frames" in sections:
            section_frames(work, args.frames_quality.split(","), report)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if sys.exc_info()[0] is not None and report:
            print("\n".join(["bench: stopped early; measured so far:", *report]))
    print(f"benchmark on {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f}, {time.perf_counter() - started:.0f} s "
          f"(CPU-s: minimum of {args.repeat} run(s)):")
    print("\n".join(report))
    if "cluster" in sections:
        subprocess.run([sys.executable, str(ROOT / "bench" / "cluster.py"), "--quality",
                        args.quality], check=True)


if __name__ == "__main__":
    main()
