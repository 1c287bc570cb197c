"""Manim's ``Text``, with the SVG that Pango wrote read straight into glyphs.

Half the cost of a ``Text`` is svgelements. It parses the whole SVG, and it parses a glyph's
outline again each time the glyph is used. Manim then makes a ``VGroup`` for every SVG group and
``<use>`` element, about four per letter, and ``Text`` never reads them.

Pango's SVG (cairo writes it) always has one shape:
- each glyph outline is a ``<symbol>`` with one path of absolute ``M``, ``L``, ``C`` and ``Z``;
- each glyph drawn is a ``<use x= y=>`` inside one styled group.

:class:`PangoText` reads exactly that shape and makes the glyph mobjects Manim makes, with the
same points:
- the same float operations in the same order: a ``<use>`` adds ``x`` and ``y``, and a line
  becomes the cubic ``start, (start + start + end)/3, (start + end + end)/3, end``;
- the style svgelements gives that ``<use>``, asked of svgelements itself once per style.

Anything else makes Manim's own parser build the whole text: another element, a unit, a relative
or implicit command, or a subpath whose gap is a near-tie on Manim's 0.0001 closing test.
Everything around the parse is ``Text.__init__`` as it is: Pango's layout, the file, styles,
centring, closing the curves, scaling.

``tests/scenes/test_pango_svg.py`` compares both, glyph by glyph, on every string the default
lessons draw.
"""

from __future__ import annotations

import io
import re
from functools import lru_cache
from typing import Any

import numpy as np
from manim import RIGHT, Text
from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath
from manim.mobject.types.vectorized_mobject import VMobject

__all__ = ["PangoText", "glyph_table"]

_TAG = re.compile(r"<[^>]*>|[^<]+")
_ATTR = re.compile(r'([\w:-]+)="([^"]*)"')
_NUMBER = r"-?(?:\d+\.?\d*|\.\d+)"
_PLAIN_NUMBER = re.compile(_NUMBER + r"\Z")
_PATH_TOKEN = re.compile(r"\s*(?:([MLCZ])|(" + _NUMBER + r"))")
_ARITY = {"M": 1, "L": 1, "C": 3, "Z": 0}
_ROOT_STYLE = ("fill", "fill-opacity", "stroke", "stroke-opacity", "stroke-width", "style")
# Manim draws a closing line when a subpath ends farther than this from where it began.
_CLOSE = 0.0001


class _Template:
    """One glyph outline: its coordinates, and which of them (or which thirds between two of
    them) make each row of Manim's points."""

    def __init__(self, coords: np.ndarray, direct: list[tuple[int, int]],
                 near: list[tuple[int, int, int]], far: list[tuple[int, int, int]]) -> None:
        self.coords = coords
        self.rows = len(direct) + len(near) + len(far)
        self.direct_rows, self.direct_from = _columns(direct, 2)
        self.near = _columns(near, 3)  # (row, start, end): (start + start + end) / 3
        self.far = _columns(far, 3)  # (row, start, end): (start + end + end) / 3

    def points(self, x: float, y: float) -> np.ndarray:
        """The glyph's points at ``(x, y)``, as Manim's ``handle_commands`` makes them."""
        anchors = np.zeros((len(self.coords), 3))
        # svgelements: x·1 + y·0 + e, which is x + e for every float (a zero keeps its value).
        anchors[:, 0] = self.coords[:, 0] + x
        anchors[:, 1] = self.coords[:, 1] + y
        out = np.empty((self.rows, 3))
        out[self.direct_rows] = anchors[self.direct_from]
        rows, start, end = self.near
        out[rows] = (anchors[start] + anchors[start] + anchors[end]) / 3
        rows, start, end = self.far
        out[rows] = (anchors[start] + anchors[end] + anchors[end]) / 3
        return out


def _columns(entries: list[Any], width: int) -> tuple[np.ndarray, ...]:
    """Each field of the entries as an index array."""
    table = np.array(entries, dtype=np.intp).reshape(-1, width)
    return tuple(table[:, i] for i in range(width))


@lru_cache(maxsize=4096)
def _template(d: str) -> _Template | None:
    """A glyph outline's template, or None when ``d`` is not plain absolute M/L/C/Z."""
    coords: list[tuple[float, float]] = []
    direct: list[tuple[int, int]] = []
    near: list[tuple[int, int, int]] = []
    far: list[tuple[int, int, int]] = []
    rows = 0

    def line(start: int, end: int) -> None:
        nonlocal rows
        direct.append((rows, start))
        near.append((rows + 1, start, end))
        far.append((rows + 2, start, end))
        direct.append((rows + 3, end))
        rows += 4

    position = 0
    last_move: int | None = None
    last_true_move: int | None = None
    closed = False  # after Z, svgelements and Manim agree only on an M
    while True:
        match = _PATH_TOKEN.match(d, position)
        if match is None:
            if d[position:].strip():
                return None
            break
        command, position = match.group(1), match.end()
        if command is None:
            return None  # a number where a command belongs: an implicit repeat
        points = []
        for _ in range(_ARITY[command]):
            pair = []
            for _ in range(2):
                number = _PATH_TOKEN.match(d, position)
                if number is None or number.group(2) is None:
                    return None
                pair.append(float(number.group(2)))
                position = number.end()
            coords.append((pair[0], pair[1]))
            points.append(len(coords) - 1)
        if command == "M":
            last_move = last_true_move = points[0]
            closed = False
            continue
        if closed or last_move is None or last_true_move is None:
            return None
        if command == "L":
            line(last_move, points[0])
            last_move = points[0]
        elif command == "C":
            direct.extend([(rows, last_move), (rows + 1, points[0]), (rows + 2, points[1]),
                           (rows + 3, points[2])])
            rows += 4
            last_move = points[2]
        else:  # Z
            gap = float(np.hypot(coords[last_move][0] - coords[last_true_move][0],
                                 coords[last_move][1] - coords[last_true_move][1]))
            if abs(gap - _CLOSE) < 1e-9:
                return None  # where a glyph's offset could tip Manim's test either way
            if gap > _CLOSE:
                line(last_move, last_true_move)
                last_move = last_true_move
            closed = True
    return _Template(np.array(coords, dtype=np.float64).reshape(-1, 2), direct, near, far)


def glyph_table(svg: str) -> list[tuple[str, str, str, float, float]] | None:
    """Pango's SVG as ``(outline, style of the use, style of the path, x, y)`` per ``<use>``;
    None for anything but the shape cairo writes."""
    symbols: dict[str, str] = {}
    symbol_styles: dict[str, str] = {}
    uses: list[tuple[str, str, float, float]] = []
    open_symbol: str | None = None
    styles: list[str | None] = []  # the style of each open <g> (None: none)
    for match in _TAG.finditer(svg):
        token = match.group(0)
        if not token.startswith("<"):
            if token.strip():
                return None
            continue
        if token.startswith("<?xml") or token.startswith("<!--"):
            continue
        name = token[1:].split(None, 1)[0].rstrip("/>")
        attrs = dict(_ATTR.findall(token))
        if name == "svg":
            if any(key in attrs for key in _ROOT_STYLE):
                return None
        elif name in ("/svg", "defs", "/defs", "/symbol"):
            if name == "/symbol":
                open_symbol = None
        elif name == "g":
            if set(attrs) - {"id", "style"} or token.endswith("/>"):
                return None
            styles.append(attrs.get("style"))
        elif name == "/g":
            if not styles:
                return None
            styles.pop()
        elif name == "symbol":
            if set(attrs) != {"overflow", "id"} or attrs["overflow"] != "visible":
                return None
            open_symbol = attrs["id"]
        elif name == "path":
            if open_symbol is None or open_symbol in symbols or set(attrs) != {"style", "d"}:
                return None
            symbols[open_symbol] = attrs["d"]
            symbol_styles[open_symbol] = attrs["style"]
        elif name == "use":
            if set(attrs) != {"xlink:href", "x", "y"} or not attrs["xlink:href"].startswith("#"):
                return None
            if not (_PLAIN_NUMBER.match(attrs["x"]) and _PLAIN_NUMBER.match(attrs["y"])):
                return None
            outer = [s for s in styles if s is not None]
            if len(outer) != 1:
                return None
            symbol = attrs["xlink:href"][1:]
            uses.append((symbol, outer[0], float(attrs["x"]), float(attrs["y"])))
        else:
            return None
    if open_symbol is not None or styles:
        return None
    try:
        return [(symbols[s], style, symbol_styles[s], x, y) for s, style, x, y in uses]
    except KeyError:  # a <use> of a symbol the file does not define
        return None


@lru_cache(maxsize=64)
def _style(config_style: tuple[tuple[str, str], ...], use_style: str,
           path_style: str) -> dict[str, Any] | None:
    """What Manim's ``apply_style_to_mobject`` sets on a glyph of these styles, as svgelements
    reads them in the tree Manim builds (a group of the config style around the file)."""
    import svgelements as se

    config = " ".join(f'{key}="{value}"' for key, value in config_style)
    document = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        f"<g {config}><g><defs><g><symbol overflow=\"visible\" id=\"s\">"
        f'<path style="{path_style}" d="M 0 0 L 1 0 L 1 1 Z"/></symbol></g></defs>'
        f'<g id="surface1"><g style="{use_style}"><use xlink:href="#s" x="1" y="2"/></g></g>'
        "</g></g></svg>")
    shapes = [e for e in se.SVG.parse(io.StringIO(document)).elements() if isinstance(e, se.Path)]
    if len(shapes) != 1:
        return None
    shape = shapes[0]
    if shape.apply and not shape.transform.is_identity():
        return None
    return {"stroke_width": shape.stroke_width if shape.stroke.value is not None else 0,
            "stroke_color": shape.stroke.hexrgb, "stroke_opacity": shape.stroke.opacity,
            "fill_color": shape.fill.hexrgb, "fill_opacity": shape.fill.opacity}


class _Glyph(VMobjectFromSVGPath):
    """A glyph whose points were made from the SVG already (Manim's class keeps the path)."""

    def __init__(self, points: np.ndarray) -> None:
        self._made = points
        self.path_obj = None
        self.long_lines = False
        self.should_subdivide_sharp_curves = False
        self.should_remove_null_curves = False
        VMobject.__init__(self, name="VMobjectFromSVGPath")  # the name Manim's glyphs carry
        del self._made

    def generate_points(self) -> _Glyph:
        self.points = self._made
        return self


class PangoText(Text):
    """``Text``, with the parse of Pango's SVG done as described in the module docstring."""

    def __init__(self, text: str, **kwargs: Any) -> None:
        kwargs.setdefault("name", "Text")
        super().__init__(text, **kwargs)

    def generate_mobject(self) -> PangoText:
        config_style = tuple(sorted(self.generate_config_style_dict().items()))
        glyphs = _glyphs(self.get_file_path().read_text(encoding="utf-8"), config_style)
        if glyphs is None:
            return super().generate_mobject()
        mobjects = []
        for points, style in glyphs:
            glyph = _Glyph(points)
            glyph.set_style(**style)
            mobjects.append(glyph)
        self.add(*mobjects)
        # Manim's tree of SVG groups, which Text never reads (made_text drops it anyway).
        self.id_to_vgroup_dict = {}
        self.flip(RIGHT)  # y down to y up, as Manim's generate_mobject does
        return self


def _glyphs(svg: str, config_style: tuple[tuple[str, str], ...]
            ) -> list[tuple[np.ndarray, dict[str, Any]]] | None:
    """Each drawn glyph's points and style, in document order, or None if Manim must parse."""
    table = glyph_table(svg)
    if table is None:
        return None
    glyphs = []
    for outline, use_style, path_style, x, y in table:
        template = _template(outline)
        style = _style(config_style, use_style, path_style)
        if template is None or style is None:
            return None
        if template.rows:  # a space has no points, and Manim drops it
            glyphs.append((template.points(x, y), style))
    return glyphs
