"""Clip 10 drawn from its trace: equal addresses in hex, one buffer under two storage objects,
a change seen by both."""

from __future__ import annotations

from typing import Any

from scenes.numpy_bridge import NumpyBridge
from tests.scenes.harness import Run, check_numbers_come_from_trace, golden
from tests.scenes.memory_checks import (
    check_arrows,
    check_grid,
    check_legible,
    check_stride_badge,
    check_strip,
)


def checks(run: Run) -> None:
    scene: Any = run.scene
    t = scene.trace
    assert [s.name for s in scene.steps] == ["numpy", "from-numpy", "numpy-back", "mul",
                                             "closing"]
    check_strip(scene.strip, t.tensor_after, title=("buffer", t.tensor.buffer))
    check_grid(scene.b, t.tensor_after)
    assert [c.value.original_text for c in scene.a.cells] == list(t.array_printed_after)
    check_arrows(scene.b_arrows, scene.b, scene.strip)
    check_stride_badge(scene.b_stride, t.tensor)
    # One buffer, two storage objects: the marker says both, as the relation recorded them.
    assert scene.marker.same_buffer is t.shares_buffer is True
    assert scene.marker.same_storage is t.shares_storage is False
    words = [w.original_text for w in scene.marker.words]
    assert words == [f"= same buffer {t.tensor.buffer}",
                     "two storage objects:", f"{t.array.storage} and {t.tensor.storage}"]
    captions = {s.name: s.caption for s in scene.steps}
    assert f"new storage object {t.tensor.storage}" in captions["from-numpy"]
    assert "same storage" not in " ".join([*run.texts(), *captions.values()])
    # The addresses are drawn in hex, each the one the trace recorded.
    assert scene.a_address.original_text.endswith(hex(t.array_address))
    assert scene.b_address.original_text.endswith(hex(t.tensor_address))
    assert scene.c_address.original_text.endswith(hex(t.back_address))
    texts = run.texts()
    for value in t.array_printed:
        assert value in texts
    # Addresses change from run to run: none may reach the closing frame (the poster).
    assert not any("0x" in label.text for label in run.snapshots[-1].labels)
    check_legible(run)
    for s in scene.steps:
        assert s.end - s.start >= len(s.caption) / 15 - 1e-6


def test_an_address_the_trace_lacks_fails_the_number_check() -> None:
    from dataclasses import replace

    import pytest

    from core.lesson import load_lesson
    from core.memory import NumpyBridgeTrace
    from core.trace import trace_of
    from tests.scenes.harness import Label, Snapshot

    trace = trace_of(load_lesson(), "numpy-bridge", NumpyBridgeTrace)

    class Fake:
        pass

    fake: Any = Fake()
    fake.trace = trace
    good = Snapshot("s", [Label(f"a data at {trace.array_address:#x}", (0, 0, 1, 1), 0)], [])
    check_numbers_come_from_trace(Run(fake, snapshots=[good]))
    program = replace(trace.program, tensors=tuple(
        replace(f, data_ptr=1, storage_data_ptr=1) for f in trace.program.tensors))
    wrong = replace(trace, array_address=trace.array_address + 8, tensor_address=1,
                    back_address=1, program=program,
                    array=replace(trace.array, data_ptr=1, storage_data_ptr=1),
                    array_after=replace(trace.array_after, data_ptr=1, storage_data_ptr=1),
                    tensor=replace(trace.tensor, data_ptr=1, storage_data_ptr=1),
                    back=replace(trace.back, data_ptr=1, storage_data_ptr=1),
                    tensor_after=replace(trace.tensor_after, data_ptr=1, storage_data_ptr=1))
    fake.trace = wrong
    with pytest.raises(AssertionError):
        check_numbers_come_from_trace(Run(fake, snapshots=[good]))


test_numpy_bridge_dark = golden(NumpyBridge, "dark", checks)
test_numpy_bridge_light = golden(NumpyBridge, "light", checks)
