"""A line chart as SVG text: make capacity's plot of the step scenario, with no plotting library.

Plain text a browser, GitHub and any image viewer show, written by a few lines of code instead
of matplotlib (which brought numpy, Pillow and fonttools into the venv, and about 3 s of CPU to
every cold type check: docs/performance.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

WIDTH = 900
HEIGHT = 450
MARGIN_LEFT = 70
MARGIN_RIGHT = 20
MARGIN_TOP = 40
MARGIN_BOTTOM = 55
FONT = 'font-family="sans-serif" font-size="12"'


@dataclass(frozen=True)
class Series:
    """One line: its legend label, its colour (any SVG colour) and one value per x."""

    label: str
    color: str
    values: Sequence[float]
    dashed: bool = False

    @property
    def stroke(self) -> str:
        """The line's SVG stroke attributes (its legend sample's too)."""
        dash = ' stroke-dasharray="6 4"' if self.dashed else ""
        return f'stroke={quoteattr(self.color)} stroke-width="1.5"{dash}'


def nice_ticks(high: float, count: int = 5) -> list[float]:
    """Tick values from 0 to at least ``high``, about ``count`` steps of 1, 2 or 5 times a power
    of ten (0 and 1 when ``high`` is not above 0)."""
    if not high > 0:
        return [0.0, 1.0]
    rough = high / count
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    steps = math.ceil(high / step - 1e-9)
    return [round(i * step, 10) for i in range(steps + 1)]


def _label(value: float) -> str:
    return f"{value:g}"


def line_chart(title: str, x_label: str, y_label: str, xs: Sequence[float], series: Sequence[Series]) -> str:
    """An SVG document: each series as a line over ``xs`` (ascending), y from 0, with axes, a
    grid, tick labels and a legend in the series' order (dashed lines drawn on top)."""
    if not xs or any(len(s.values) != len(xs) for s in series):
        raise ValueError("every series needs one value per x, and there must be at least one x")
    left, right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    top, bottom = MARGIN_TOP, HEIGHT - MARGIN_BOTTOM
    x_ticks = nice_ticks(xs[-1] - xs[0], count=6)
    highest = max((v for s in series for v in s.values), default=0.0)
    y_ticks = nice_ticks(highest)
    # A little headroom, so a line at the maximum stays clear of the frame.
    x_span, y_span = x_ticks[-1] or 1.0, max(y_ticks[-1], 1.05 * highest)

    def x_at(x: float) -> float:
        return left + (x - xs[0]) / x_span * (right - left)

    def y_at(y: float) -> float:
        return bottom - y / y_span * (bottom - top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" {FONT}>{escape(title)}</text>',
    ]
    for tick in y_ticks:
        y = y_at(tick)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" {FONT}>{_label(tick)}</text>')
    for tick in x_ticks:
        x = x_at(xs[0] + tick)
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="#ddd"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 18}" text-anchor="middle" {FONT}>{_label(xs[0] + tick)}</text>'
        )
    parts.append(
        f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" '
        'fill="none" stroke="black"/>'
    )
    parts.append(
        f'<text x="{(left + right) / 2}" y="{HEIGHT - 12}" text-anchor="middle" {FONT}>'
        f"{escape(x_label)}</text>"
    )
    parts.append(
        f'<text x="16" y="{(top + bottom) / 2}" text-anchor="middle" {FONT} '
        f'transform="rotate(-90 16 {(top + bottom) / 2})">{escape(y_label)}</text>'
    )
    # Dashed lines last: on top of the solid ones they may run along.
    for line in sorted(series, key=lambda s: s.dashed):
        points = " ".join(f"{x_at(x):.1f},{y_at(v):.1f}" for x, v in zip(xs, line.values, strict=True))
        parts.append(
            f'<polyline fill="none" {line.stroke} points="{points}">'
            f"<title>{escape(line.label)}</title></polyline>"
        )
    legend_top = top + (bottom - top) / 2 - 10 * len(series)
    parts.append(
        f'<rect x="{right - 268}" y="{legend_top - 12:.1f}" width="256" height="{20 * len(series) + 4}" '
        'fill="white" fill-opacity="0.85" stroke="#999"/>'
    )
    for index, line in enumerate(series):
        y = legend_top + 20 * index
        parts.append(f'<line x1="{right - 260}" y1="{y:.1f}" x2="{right - 230}" y2="{y:.1f}" {line.stroke}/>')
        parts.append(f'<text x="{right - 222}" y="{y + 4:.1f}" {FONT}>{escape(line.label)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
