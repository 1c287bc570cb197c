"""Spoken-form rules: what the voice says for code, shapes, numbers, operators and math.

Shapes and numbers are printed by torch here, so each rule is checked on the text a caption
really holds.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from core.spoken import number_words, spoken, spoken_number


def _digits(text: str) -> str:
    return " ".join(number_words(int(d)) for d in text)


# Code


@pytest.mark.parametrize(("written", "said"), [
    ("weights.view(5, 1)", "weights dot view, five by one"),
    ("x.t()", "x dot t"),
    ("torch.manual_seed", "torch dot manual seed"),
    ("xt.is_contiguous()", "xt dot is contiguous"),
    ("b.mul_(2)", "b dot mul in place, two"),
    ("permute(1, 0)", "permute, one, zero"),
    ("sum(dim=0)", "sum, dim equals zero"),
    ("v[2, 0] = 0.5", "v at two, zero equals zero point five"),
    ("torch.from_numpy(a)", "torch dot from numpy, a"),
    ("storage S0, buffer B4", "storage S zero, buffer B four"),
], ids=["view", "no-args", "dotted", "underscores", "in-place", "args", "keyword", "subscript",
        "numpy", "labels"])
def test_code_is_said_as_words(written: str, said: str) -> None:
    assert spoken(written) == said


def test_prose_hyphens_and_possessives_stay_words() -> None:
    assert spoken("The neuron's pre-activation z.") == "The neuron's pre-activation z."


# Shapes


@pytest.mark.parametrize("dims", [(1, 5), (2, 3), (3,), (3, 5, 1), (1, 2, 3, 4)],
                         ids=lambda d: "x".join(map(str, d)))
def test_a_torch_size_is_said_as_a_shape(dims: tuple[int, ...]) -> None:
    size = torch.zeros(dims).shape
    words = " by ".join(number_words(n) for n in size)
    assert spoken(f"x is {size}.") == f"x is size {words}."


def test_an_empty_size() -> None:
    assert spoken(f"The sum is {torch.tensor(1.0).shape}.") == "The sum is an empty size."


def test_a_shape_tuple_is_by_and_strides_are_a_list() -> None:
    x = torch.zeros(2, 3)
    assert spoken(f"shape {tuple(x.shape)}") == "shape two by three"
    assert spoken(f"x.stride() is {x.stride()}") == "x dot stride is three, one"


# Numbers


@given(st.floats(min_value=-1000, max_value=1000, allow_nan=False, width=32))
def test_numbers_torch_prints_are_rounded_to_two_places(value: float) -> None:
    printed = f"{torch.tensor(value).item():.4f}"
    rounded = Decimal(printed).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{abs(rounded):f}".partition(".")
    fraction = fraction.rstrip("0")
    expected = number_words(int(whole)) + (f" point {_digits(fraction)}"
                                            if fraction else "")
    if rounded < 0:
        expected = "minus " + expected
    assert spoken_number(printed) == expected


def test_the_issue_example_number() -> None:
    assert spoken("-0.8948") == "minus zero point eight nine"


@pytest.mark.parametrize(("value", "said"), [
    (0, "zero"), (13, "thirteen"), (40, "forty"), (105, "one hundred five"),
    (1_000_000, "one million"), (64, "sixty four"),
], ids=str)
def test_integers_in_words(value: int, said: str) -> None:
    assert number_words(value) == said


def test_torch_prints_in_captions() -> None:
    t = torch.tensor([10.0, 20.0])
    assert spoken(f"y = {t}") == "y equals tensor, ten, twenty"
    assert spoken(f"{torch.tensor(1e-5).item():.0e}") == "one times ten to the minus five"


def test_dimension_counts() -> None:
    assert spoken("a 0-d tensor; 2-D matrices") == "a zero D tensor; two D matrices"


# Operators and Unicode math


@pytest.mark.parametrize(("written", "said"), [
    ("features * weights", "features times weights"),
    ("features @ W1 + b", "features matmul W one plus b"),
    ("a - b", "a minus b"),
    ("5 = 5", "five equals five"),
    ("(1, 2) @ (2, 1) → (1, 1)", "one by two matmul two by one gives one by one"),
    ("Σ xᵢwᵢ", "the sum of x i w i"),
    ("x² ≤ 4", "x squared at most four"),
    ("passed through σ.", "passed through sigma."),
    ("a ≠ b × c", "a is not b times c"),
    ("view & reshape", "view and reshape"),
], ids=["times", "matmul", "minus", "equals", "shapes", "sigma-sum", "square", "sigma",
        "unicode-ops", "ampersand"])
def test_operators_and_math(written: str, said: str) -> None:
    assert spoken(written) == said


def test_punctuation_and_parentheses_become_pauses() -> None:
    assert spoken("5 inputs (the features) each reach it.") == \
        "five inputs, the features, each reach it."
