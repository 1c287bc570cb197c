"""A lesson clip's code, traced: the one entry point from a ClipSpec to its ProgramTrace."""

from __future__ import annotations

from dataclasses import replace

from core.lesson import ClipSpec
from core.model import ProgramTrace

__all__ = ["program_trace"]


def program_trace(clip: ClipSpec) -> ProgramTrace:
    """Trace a code clip: its tensors drawn after the seed, then its snippet op by op.

    Torch loads here, not at import: a render worker reads traces through this package's
    records and never needs it.
    """
    from core.inputs import make_tensors
    from core.snippet import parse_snippet
    from core.tracer import run_snippet

    assert clip.code is not None
    inputs = make_tensors(clip)
    snippet = parse_snippet(clip.code, f"{clip.source}: clip {clip.id!r}: key 'code'",
                            tuple(inputs))
    trace = run_snippet(snippet, dict(inputs), clip.seed, reseed=False)
    statements = tuple(replace(s, say=clip.say.get(s.span.line)) for s in trace.statements)
    return replace(trace, clip_id=clip.id, title=clip.title, statements=statements,
                   takeaway=clip.takeaway, palette=clip.palette)
