"""Helpers for story builders: find the ops a clip's story needs among its traced op records.

A default clip is written as code (its ``code`` is what runs); its story (view, resize_, the
neuron ...) needs particular operations in that code. :func:`need` finds one or refuses the
clip in one line naming key ``code`` and what the story needs.
"""

from __future__ import annotations

from collections.abc import Callable

from core.lesson import ClipSpec, refuse
from core.model import OpKind, OpRecord, ProgramTrace

__all__ = ["need", "ops_summary"]


def ops_summary(program: ProgramTrace) -> str:
    """The ops a program ran, briefly, for a refusal: ``view, setitem, view (RuntimeError)``."""
    parts = [op.op + (f" ({op.error.type})" if op.error else "") for op in program.ops
             if op.kind != OpKind.CREATE]
    return ", ".join(parts) or "no operations"


def need(clip: ClipSpec, program: ProgramTrace, expected: str,
         test: Callable[[OpRecord], bool], after: int = -1) -> int:
    """The index of the first op after ``after`` that passes ``test``, or a one-line refusal."""
    for index, op in enumerate(program.ops):
        if index > after and test(op):
            return index
    raise refuse(clip, "code", expected, ops_summary(program))

