"""The ``torchreel`` command line: thin commands over the studio's functions."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from core.lesson import MAX_SEED, LessonError, default_lesson_path, load_lesson
from core.text import shown

__all__ = ["MAX_JOBS", "build_parser", "main"]

# The hidden "test" preset is accepted but not advertised.
QUALITY_CHOICES = ("low", "medium", "high", "4k", "test")
# Each render worker imports manim and torch (a few hundred MB): past this, memory runs out
# long before a build gets faster.
MAX_JOBS = 64


def _jobs(text: str) -> int:
    """--jobs: a usage error (exit 2, like argparse's own) unless a whole number 1..MAX_JOBS."""
    try:
        value = int(text, 10)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_JOBS:
        raise argparse.ArgumentTypeError(
            f"expected a whole number from 1 to {MAX_JOBS}, found {shown(repr(text))}")
    return value


def _add_lesson(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lesson", metavar="FILE", default=None,
        help=f"lesson TOML file (default: {default_lesson_path()})",
    )
    parser.add_argument("clips", nargs="*", metavar="CLIP", help="clip ids (default: all)")


def _add_build(parser: argparse.ArgumentParser, *, jobs: bool = True) -> None:
    from studio.build import default_media_dir

    _add_lesson(parser)
    parser.add_argument("--media", metavar="DIR", type=Path, default=default_media_dir(),
                        help="output folder (default: %(default)s)")
    parser.add_argument("--quality", choices=QUALITY_CHOICES, default="low",
                        metavar="{low,medium,high,4k}",
                        help="low 480p15 (default), medium 720p30, high 1080p60, 4k 2160p60")
    parser.add_argument("--theme", choices=("dark", "light"), default="dark",
                        help="colour theme (default: dark)")
    parser.add_argument("--voice", choices=("joe", "none"), default=None,
                        help="narrate every step with this voice, or none for silent clips "
                             "(default: the lesson's voice, else joe when installed)")
    if jobs:
        parser.add_argument("--jobs", "-j", type=_jobs, default=0, metavar="N",
                            help=f"clips rendered at once (default: cores, {os.cpu_count()})")
        parser.add_argument("--force", action="store_true",
                            help="render even the clips that are up to date")
        parser.add_argument("--gif", action="store_true", help="also write an animated GIF")
        parser.add_argument("--webm", action="store_true",
                            help="also write a WebM (VP9; about as costly to encode as the MP4)")
        parser.add_argument("--scheduler", type=_scheduler, default=None, metavar="ADDRESS",
                            help="render on a Dask cluster: its scheduler's address "
                                 "(tcp://HOST:8786), or local:N for N worker processes here")
        parser.add_argument("--cache", type=Path, default=None, metavar="DIR",
                            help="a folder of rendered clips shared by builds and machines: "
                                 "a clip it holds is copied, not rendered, and each new "
                                 "render is added")


def _scheduler(text: str) -> str:
    from studio.cluster import scheduler_arg

    return scheduler_arg(text)


def _options(args: argparse.Namespace) -> object:
    from studio.build import BuildOptions

    return BuildOptions(lesson=args.lesson, clips=tuple(args.clips), quality=args.quality,
                        theme=args.theme, voice=args.voice, jobs=getattr(args, "jobs", 0),
                        force=getattr(args, "force", False), gif=getattr(args, "gif", False),
                        webm=getattr(args, "webm", False), media=args.media,
                        scheduler=getattr(args, "scheduler", None),
                        cache=getattr(args, "cache", None))


def _trace(args: argparse.Namespace) -> int:
    import json

    from core.serial import to_dict
    from studio.jsontext import finite_safe

    if args.code is not None:
        from core.listing import op_listing
        from core.tracer import trace_code

        if args.clips or args.lesson:
            raise LessonError("--code: expected either --code or a lesson's clips, not both")
        program = trace_code(args.code, "--code", args.seed)
        if args.text:
            sys.stdout.write(op_listing(program))
            return 0
        json.dump(finite_safe(to_dict(program)), sys.stdout, indent=2, ensure_ascii=False,
                  allow_nan=False)
        sys.stdout.write("\n")
        return 0
    from core.trace import trace_lesson

    lesson = load_lesson(args.lesson)
    traces = trace_lesson(lesson, args.clips or None)
    if args.text:
        from core.listing import op_listing
        from core.model import ProgramTrace

        for trace in traces:
            # A story clip (view, neuron ...) carries the program it ran.
            ran = trace if isinstance(trace, ProgramTrace) else getattr(trace, "program", None)
            if isinstance(ran, ProgramTrace):
                sys.stdout.write(f"# {ran.clip_id}\n{op_listing(ran)}")
        return 0
    json.dump(finite_safe({"lesson": lesson.path, "traces": [to_dict(t) for t in traces]}),
              sys.stdout, allow_nan=False, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def _seed(text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_SEED:  # the range a lesson's seed has
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to {MAX_SEED}, "
                                         f"found {shown(repr(text))}")
    return value


def _render(args: argparse.Namespace) -> int:
    from studio.build import BuildOptions, build, print_summary

    started = time.monotonic()
    options = _options(args)
    assert isinstance(options, BuildOptions)
    report = build(options)
    print_summary(report, started)
    return 0 if report.ok else 1


def _storyboard(args: argparse.Namespace) -> int:
    from studio.build import BuildOptions, build, print_summary
    from studio.manifest import read_manifest

    started = time.monotonic()
    options = _options(args)
    assert isinstance(options, BuildOptions)
    report = build(options)
    print_summary(report, started)
    manifest = read_manifest(options.media.resolve())
    for status in report.statuses:
        entry = manifest.clips.get(status.clip_id)
        if entry is not None and "storyboard" in entry.files:
            # One path a line, even if --media holds a newline.
            print(shown(str(options.media.resolve() / entry.files["storyboard"])))
    return 0 if report.ok else 1


def _list(args: argparse.Namespace) -> int:
    from studio.build import BuildOptions
    from studio.listing import list_clips

    options = _options(args)
    assert isinstance(options, BuildOptions)
    list_clips(options)
    return 0


def _watch(args: argparse.Namespace) -> int:
    from studio.build import BuildOptions
    from studio.watch import watch

    options = _options(args)
    assert isinstance(options, BuildOptions)
    load_lesson(options.lesson)  # refuse a bad lesson before watching
    return watch(options)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="torchreel",
        description="Turn real PyTorch computations into Manim clips for teaching tensors.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    listing = commands.add_parser(
        "list", help="list the lesson's clips and whether each is up to date",
        description="List the lesson's clips and whether each one's media is up to date "
                    "for the given quality and theme. Renders nothing.",
    )
    _add_build(listing, jobs=False)
    listing.set_defaults(run=_list)
    render = commands.add_parser(
        "render", help="render what changed into media/ (MP4, poster, captions, gallery)",
        description="Render the clips whose inputs changed since the last build, in parallel, "
                    "into MP4 (and WebM with --webm), poster PNG, WebVTT/SRT captions and "
                    "trace JSON, then "
                    "update media/manifest.json and media/index.html. Exit status 0 only when "
                    "every requested clip is up to date. A second build on the same media/ "
                    "waits for the first.",
    )
    _add_build(render)
    render.set_defaults(run=_render)
    watch = commands.add_parser(
        "watch", help="re-render the clips an edit affects, on every save",
        description="Build, then watch the lesson file and the scenes/ and core/ sources; "
                    "after each save re-render exactly the clips whose hash changed.",
    )
    _add_build(watch)
    watch.set_defaults(run=_watch)
    storyboard = commands.add_parser(
        "storyboard", help="one PNG contact sheet per clip: a frame and caption per step",
        description="Bring the clips up to date and print the path of each one's contact "
                    "sheet (media/<clip>/<clip>-storyboard.png): the frame that ends each "
                    "step, with its caption under it.",
    )
    _add_build(storyboard)
    storyboard.set_defaults(run=_storyboard)
    trace = commands.add_parser(
        "trace", help="print the clips' traces (what torch computed) as JSON",
        description="Run each clip's operation in torch and print its trace as JSON.",
    )
    _add_lesson(trace)
    trace.add_argument("--code", metavar="SNIPPET", default=None,
                       help="trace this snippet instead of a lesson, e.g. "
                            "'x = torch.arange(6.).view(2, 3); y = x.t()'")
    trace.add_argument("--seed", type=_seed, default=0,
                       help="torch.manual_seed before the snippet's first line (default: 0)")
    trace.add_argument("--text", action="store_true",
                       help="one line per op instead of JSON")
    trace.set_defaults(run=_trace)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; bad input exits 2 with one line and no traceback.

    A fault of the machine (read-only or full media/) exits 1 with one line naming the path.
    Every message is printed through :func:`core.text.shown`, so a file name or value holding
    a newline or a bidi override still makes one line in reading order.
    """
    args = build_parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except LessonError as exc:
        print(f"torchreel: {shown(str(exc))}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # A reader such as `head` closed the pipe: not an error of ours.
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("torchreel: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if not _refusal(exc):
            raise
        print(f"torchreel: {shown(str(exc))}", file=sys.stderr)
        return int(exc.status)  # type: ignore[attr-defined]
    return status


def _refusal(exc: Exception) -> bool:
    """Whether ``exc`` refuses the media folder or the cluster (its exit status is on it).

    The cluster module is looked up, not imported: only a build that uses a cluster loads it
    (its imports cost a no-op build about 50 ms of 400).
    """
    from studio.guard import MediaError

    cluster = sys.modules.get("studio.cluster")
    return isinstance(exc, MediaError) or (cluster is not None
                                           and isinstance(exc, cluster.ClusterError))


if __name__ == "__main__":
    sys.exit(main())
