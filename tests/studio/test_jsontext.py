"""Trace JSON for others to read: no bare Infinity or NaN, the words torch prints instead."""

from __future__ import annotations

import json
import math

import pytest
import torch

from studio.jsontext import finite_safe, standard_json


def _refuse_constant(name: str) -> None:
    raise AssertionError(f"non-standard JSON constant {name}")


def test_non_finite_values_become_the_words_torch_prints() -> None:
    values = (torch.tensor([1.0, -1.0, 0.0, 2.5]) / torch.tensor([0.0, 0.0, 0.0, 1.0]))
    python = values.tolist()
    printed = [word.strip() for word in
               str(values).removeprefix("tensor([").removesuffix("])").split(",")]
    text = json.dumps({"values": python, "nested": [{"v": python[0]}]}, allow_nan=True)
    assert "Infinity" in text and "NaN" in text  # what Python's json writes by default
    out = standard_json(text)
    data = json.loads(out, parse_constant=_refuse_constant)
    assert data["values"][:3] == printed[:3]
    assert data["values"][3] == python[3] and math.isfinite(python[3])
    assert data["nested"] == [{"v": printed[0]}]


@pytest.mark.parametrize("value", [1.5, 0, "inf", None, True, [1, 2], {"a": "nan"}])
def test_finite_and_other_values_pass_unchanged(value: object) -> None:
    assert finite_safe(value) == value
