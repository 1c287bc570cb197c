"""Captions as a person reads them aloud: code, shapes, numbers and math said as words.

The on-screen caption and the caption files keep the written form; only the voice hears this.

>>> spoken("weights.view(5, 1) shares memory.")
'weights dot view, five by one shares memory.'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = ["number_words", "spoken", "spoken_number"]

# Decimal places a listener can hold: the screen shows torch's digits, the voice rounds.
SPOKEN_DECIMALS = 2

_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))

# Names a lecturer says differently from how they are spelled.
_NAMES = {
    "np": "numpy", "mm": "m m", "bmm": "b m m", "dtype": "d type", "ndim": "n dim",
    "keepdim": "keep dim", "numel": "num el", "arange": "a range", "linspace": "lin space",
    "argmax": "arg max", "randn": "rand n", "mT": "m T", "nan": "not a number",
    "inf": "infinity", "stride": "stride", "relu": "relu", "ReLU": "relu",
}
# Calls whose integer arguments are a shape: view(5, 1) is "five by one", not "five, one".
_SHAPE_CALLS = {"view", "reshape", "resize_", "expand", "zeros", "ones", "empty", "randn",
                "rand", "Size", "new_zeros", "new_ones", "standard_normal"}
_OPERATORS = {
    "*": "times", "@": "matmul", "+": "plus", "/": "divided by", "//": "floor divided by",
    "%": "mod", "**": "to the power", "=": "equals", "==": "equals", "!=": "is not equal to",
    "+=": "plus equals", "-=": "minus equals", "*=": "times equals", "<": "less than",
    ">": "greater than", "<=": "at most", ">=": "at least", "->": "gives", "→": "gives",
    "×": "times", "·": "times", "≠": "is not", "≤": "at most", "≥": "at least", "≈": "about",
    "Σ": "the sum of", "∑": "the sum of", "√": "the square root of", "∞": "infinity",
    "σ": "sigma", "μ": "mu", "α": "alpha", "β": "beta", "λ": "lambda", "θ": "theta",
    "…": "...", "−": "minus", "&": "and",
}

_TOKEN = re.compile(r"""
    (?P<number>\d+(?:\.\d+|\.(?=[,\])]))?(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z][A-Za-z0-9]*)*(?:'[a-z]+)?)
  | (?P<op>\*\*|//|==|!=|<=|>=|->|\+=|-=|\*=|[-+*/@%=<>(),\[\]:;.?!"'{}&])
  | (?P<space>\s+)
  | (?P<other>.)
""", re.VERBOSE)


@dataclass(frozen=True)
class _Token:
    kind: str  # number, name, op, other
    text: str
    spaced: bool  # whitespace (or the start) before it


def number_words(value: int) -> str:
    """An integer in words: ``number_words(105)`` is ``'one hundred five'``."""
    if value < 0:
        return "minus " + number_words(-value)
    if value < 20:
        return _ONES[value]
    if value < 100:
        tens, ones = divmod(value, 10)
        return _TENS[tens] + (f" {_ONES[ones]}" if ones else "")
    if value < 1000:
        hundreds, rest = divmod(value, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {number_words(rest)}" if rest else "")
    for scale, word in _SCALES:
        if value >= scale:
            high, rest = divmod(value, scale)
            return f"{number_words(high)} {word}" + (f" {number_words(rest)}" if rest else "")
    raise AssertionError(value)  # pragma: no cover - every value >= 1000 meets a scale


def spoken_number(text: str) -> str:
    """A number as written (``-0.8948``, ``10.``, ``1e-05``) said aloud, rounded to two places:
    ``'minus zero point eight nine'``, ``'ten'``, ``'one times ten to the minus five'``."""
    sign = ""
    if text.startswith(("-", "−")):
        sign, text = "minus ", text[1:]
    mantissa, _, exponent = text.lower().partition("e")
    try:
        value = Decimal(mantissa)
    except InvalidOperation:
        return sign + text
    if exponent:
        power = int(exponent)
        return sign + f"{spoken_number(mantissa)} times ten to the {number_words(power)}"
    if "." in mantissa:
        value = value.quantize(Decimal(1).scaleb(-SPOKEN_DECIMALS), rounding=ROUND_HALF_UP)
        whole, _, fraction = f"{value:f}".partition(".")
        fraction = fraction.rstrip("0")
        digits = " ".join(_ONES[int(d)] for d in fraction)
        words = number_words(int(whole)) + (f" point {digits}" if digits else "")
        if sign and not int(whole) and not fraction:
            sign = ""  # -0.001 rounds to zero: "minus zero" would only puzzle a listener
        return sign + words
    return sign + number_words(int(value))


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    spaced = True
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind == "space":
            spaced = True
            continue
        out.append(_Token(kind, match.group(), spaced))
        spaced = False
    return out


def _name(text: str) -> str:
    """One identifier: ``manual_seed`` -> "manual seed", ``S0`` -> "S zero", ``mul_`` ->
    "mul in place" (a trailing underscore is torch's in-place mark)."""
    if text in _NAMES:
        return _NAMES[text]
    if "-" in text or "'" in text:  # prose: pre-activation, torch's
        return text
    in_place = text.endswith("_") and not text.startswith("_")
    core = text.rstrip("_") if in_place else text
    match = re.fullmatch(r"([A-Za-z]+)(\d+)", core)
    if match:
        words = f"{match.group(1)} {number_words(int(match.group(2)))}"
    else:
        words = " ".join(_NAMES.get(part, part) for part in core.split("_") if part)
    return words + (" in place" if in_place else "")


def _script(char: str) -> str | None:
    """A sub- or superscript letter or digit (xᵢ, x²) as what it stands for."""
    decomposition = unicodedata.decomposition(char)
    if decomposition.startswith(("<sub>", "<super>")):
        base = chr(int(decomposition.split()[1], 16))
        if decomposition.startswith("<super>") and base == "2":
            return "squared"
        return number_words(int(base)) if base.isdigit() else base
    return None


class _Reader:
    """Walks the tokens of one caption, saying code as code and prose as prose."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.at = 0
        self.stride_context = False

    def peek(self, offset: int = 0) -> _Token | None:
        index = self.at + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def read(self, stop: str | None = None) -> list[str]:
        words: list[str] = []
        while (token := self.peek()) is not None:
            if stop is not None and token.kind == "op" and token.text in (stop, ","):
                break
            words.extend(self.item(words))
        return words

    def item(self, before: list[str]) -> list[str]:
        token = self.tokens[self.at]
        self.at += 1
        if token.kind == "number":
            return self.number(token)
        if token.kind == "name":
            return self.name(token)
        if token.kind == "op":
            return self.op(token, before)
        script = _script(token.text)
        if script is not None:
            return [script]
        word = _OPERATORS.get(token.text)
        if word is not None:
            return [word]
        return [token.text] if token.text.isprintable() else []

    def number(self, token: _Token) -> list[str]:
        words = [spoken_number(token.text)]
        nxt, after = self.peek(), self.peek(1)
        # "0-d", "2-D": a count of dimensions.
        if (nxt is not None and after is not None and nxt.text == "-" and not nxt.spaced
                and after.kind == "name" and after.text in ("d", "D") and not after.spaced):
            self.at += 2
            words.append("D")
        return words

    def name(self, token: _Token) -> list[str]:
        parts = [token.text]
        # A dotted chain written without spaces: torch.nn.functional, x.T
        while (dot := self.peek()) is not None and dot.text == "." and not dot.spaced:
            nxt = self.peek(1)
            if nxt is None or nxt.kind != "name" or nxt.spaced:
                break
            parts.append(nxt.text)
            self.at += 2
        if parts[-1] in ("stride", "strides"):
            self.stride_context = True
        if parts[:2] == ["torch", "Size"]:
            return self.size()
        words = [" dot ".join(_name(p) for p in parts)]
        nxt = self.peek()
        if nxt is not None and nxt.text == "(" and not nxt.spaced:
            self.at += 1
            arguments = self.arguments(")", shape=parts[-1] in _SHAPE_CALLS)
            if arguments:
                words[-1] += ","
                words.extend(arguments)
        while (nxt := self.peek()) is not None and nxt.text == "[" and not nxt.spaced:
            self.at += 1
            words.append("at")
            words.extend(self.arguments("]", shape=False))
        return words

    def size(self) -> list[str]:
        """torch.Size([1, 5]) -> "size one by five"; torch.Size([]) -> "an empty size"."""
        nxt = self.peek()
        if nxt is None or nxt.text != "(" or nxt.spaced:
            return ["torch dot size"]
        self.at += 1
        dims = self.arguments(")", shape=True)
        return ["size", *dims] if dims else ["an empty size"]

    def arguments(self, close: str, shape: bool) -> list[str]:
        """The items up to ``close``, said one by one: joined by "by" for a shape."""
        items: list[list[str]] = []
        while (token := self.peek()) is not None:
            if token.text == close:
                self.at += 1
                break
            if token.text == ",":
                self.at += 1
                continue
            if token.text in ("[", "(") and not items and shape:
                # Size([1, 5]): the list inside is the shape itself.
                self.at += 1
                inner = self.arguments("]" if token.text == "[" else ")", shape=True)
                rest = self.peek()
                if rest is not None and rest.text == close:
                    self.at += 1
                    return inner
                items.append(inner)
                continue
            item = self.read(stop=close)
            if item:
                items.append(item)
        if shape and items and all(_is_count(i) for i in items):
            return _joined(items, " by")
        return _joined(items, ",")

    def op(self, token: _Token, before: list[str]) -> list[str]:
        text = token.text
        if text == "(":
            # Parentheses around numbers only are a shape, or strides after "stride".
            inner = self._balanced(")")
            if inner and all(t.kind == "number" or t.text == "," for t in inner):
                self.at += len(inner) + 1
                numbers = [[spoken_number(t.text)] for t in inner if t.kind == "number"]
                return _joined(numbers, "," if self.stride_context else " by")
            # A parenthesis in prose is a pause on either side.
            return [",", *self.arguments(")", shape=False), ","]
        if text == "[":
            return self.arguments("]", shape=False)
        if text == "-":
            nxt = self.peek()
            unary = token.spaced and nxt is not None and not nxt.spaced
            if nxt is not None and nxt.kind == "number" and (unary or not before):
                self.at += 1
                return [spoken_number("-" + nxt.text)]
            return ["minus"]
        if text in _OPERATORS and text not in ("(", ")"):
            return [_OPERATORS[text]]
        if text in (")", "]", "{", "}", '"'):
            return []
        nxt = self.peek()
        if text == "." and nxt is not None and nxt.kind == "name" and not nxt.spaced:
            return ["dot"]  # ".numpy()" said on its own
        return [text]

    def _balanced(self, close: str) -> list[_Token]:
        """The tokens up to the matching ``close``, without moving (empty when unclosed)."""
        depth, index = 0, self.at
        while index < len(self.tokens):
            text = self.tokens[index].text
            if text in ("(", "["):
                depth += 1
            elif text in (")", "]"):
                if depth == 0:
                    return self.tokens[self.at:index] if text == close else []
                depth -= 1
            index += 1
        return []


def _is_count(words: list[str]) -> bool:
    return len(words) == 1 and " point " not in words[0] and not words[0].startswith("minus")


def _joined(items: list[list[str]], separator: str) -> list[str]:
    out: list[str] = []
    for n, item in enumerate(items):
        if n and out:
            out[-1] += separator if separator == "," else ""
            if separator != ",":
                out.append(separator.strip())
        out.extend(item)
    return out


def spoken(caption: str) -> str:
    """The words a voice says for ``caption``.

    Code is said as words (``weights.view(5, 1)`` -> "weights dot view, five by one"), a
    torch.Size as a shape ("size one by five"), numbers rounded to two places ("minus zero
    point eight nine"), operators and Unicode math as their names (``*`` -> "times", ``Σ`` ->
    "the sum of"). Punctuation stays, so the voice pauses where a reader would.
    """
    text = unicodedata.normalize("NFC", caption)
    words = _Reader(_tokens(text)).read()
    sentence = " ".join(w for w in words if w)
    # Punctuation sticks to the word before it; brackets never reach the voice.
    sentence = re.sub(r"\s+([,.:;?!])", r"\1", sentence)
    sentence = re.sub(r",(\s*,)+", ",", sentence)
    sentence = re.sub(r"([,:;])(?=[^\s])", r"\1 ", sentence)
    return " ".join(sentence.split())
