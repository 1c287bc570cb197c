"""Trace JSON that any JSON reader accepts: non-finite numbers written as torch prints them."""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["finite_safe", "standard_json"]


def _spelled(value: float) -> str:
    # str(torch.tensor(float("inf"))) shows "inf", "-inf" and "nan": the same words here.
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


def finite_safe(data: Any) -> Any:
    """``data`` with every non-finite float replaced by the string torch prints for it."""
    if isinstance(data, float) and not math.isfinite(data):
        return _spelled(data)
    if isinstance(data, dict):
        return {key: finite_safe(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [finite_safe(item) for item in data]
    return data


def standard_json(text: str) -> str:
    """Re-write JSON text (Python's, which may hold bare Infinity/NaN) as standard JSON.

    Python's json reads and writes ``Infinity`` and ``NaN``, but a browser's JSON.parse and
    most other readers refuse them, so files meant for others go through here.
    """
    return json.dumps(finite_safe(json.loads(text)), indent=2, ensure_ascii=False,
                      allow_nan=False)
