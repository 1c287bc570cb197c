"""The ``torchreel`` command line: thin commands over the studio's functions."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from core.lesson import LessonError, default_lesson_path, load_lesson

__all__ = ["main"]


def _add_lesson(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lesson", metavar="FILE", default=None,
        help=f"lesson TOML file (default: {default_lesson_path()})",
    )
    parser.add_argument("clips", nargs="*", metavar="CLIP", help="clip ids (default: all)")


def _trace(args: argparse.Namespace) -> int:
    import json

    from core.serial import to_dict
    from core.trace import trace_lesson

    lesson = load_lesson(args.lesson)
    traces = trace_lesson(lesson, args.clips or None)
    json.dump({"lesson": lesson.path, "traces": [to_dict(t) for t in traces]}, sys.stdout,
              indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="torchreel",
        description="Turn real PyTorch computations into Manim clips for teaching tensors.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    trace = commands.add_parser(
        "trace", help="print the clips' traces (what torch computed) as JSON",
        description="Run each clip's operation in torch and print its trace as JSON.",
    )
    _add_lesson(trace)
    trace.set_defaults(run=_trace)
    render = commands.add_parser(
        "render", help="build the lesson's clips into media/ (for now: print their traces)",
        description="Build the lesson's clips. Until the scenes land this prints the traces.",
    )
    _add_lesson(render)
    render.set_defaults(run=_trace)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; bad lesson input exits 2 with one line and no traceback."""
    args = build_parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except LessonError as exc:
        print(f"torchreel: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # A reader such as `head` closed the pipe: not an error of ours.
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("torchreel: interrupted", file=sys.stderr)
        return 130
    return status


if __name__ == "__main__":
    sys.exit(main())
