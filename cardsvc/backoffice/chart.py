"""A line chart as server-rendered SVG: outstanding liability over time, one line per program.
No script and nothing fetched, so it works in a store without internet and under the pages'
Content-Security-Policy."""

from __future__ import annotations

from datetime import date
from html import escape

from cardsvc.protocol.text import grouped

WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 92, 12, 12, 36
COLOURS = ("#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#0598bc", "#bf3989", "#57606a")
SERIES_MAX = len(COLOURS)


def _nice_top(value: int) -> int:
    """A round number at or above `value` for the top of the y axis."""
    if value <= 0:
        return 1
    step: int = 10 ** (len(str(value)) - 1)
    for m in (1, 2, 5, 10):
        if m * step >= value:
            return m * step
    return 10 * step


def line_chart(buckets: list[date], series: dict[str, list[int]], names: dict[str, str],
               title: str) -> str:  # fmt: skip
    """An <svg> of `series` (name -> one value per bucket) over `buckets`; values in đồng."""
    shown = dict(list(series.items())[:SERIES_MAX])
    top = _nice_top(max([max(v) for v in shown.values() if v] + [0]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = max(len(buckets), 1)

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: int) -> float:
        return TOP + plot_h - plot_h * max(v, 0) / top

    full_h = HEIGHT + 24 * len(shown)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {full_h}" '
             f'role="img" aria-label="{escape(title)}" class="linechart">',
             f"<title>{escape(title)}</title>"]  # fmt: skip
    for k in range(5):
        v = top * k // 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                     f'stroke="#ddd"/><text x="{LEFT - 6}" y="{y(v) + 4:.1f}" font-size="11" '
                     f'text-anchor="end">{grouped(v)}</text>')  # fmt: skip
    ticks = sorted({0, n - 1, *range(0, n, max(1, n // 6))})
    for i in ticks:
        if i < len(buckets):
            parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - 14}" font-size="11" '
                         f'text-anchor="middle">{buckets[i].strftime("%d/%m")}</text>')  # fmt: skip
    for idx, (key, values) in enumerate(shown.items()):
        colour = COLOURS[idx]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                     f'points="{points}" data-series="{escape(key)}"/>')  # fmt: skip
        ly = HEIGHT + 16 + 24 * idx
        label = escape(names.get(key, key))
        last = grouped(values[-1]) + " ₫" if values else ""
        parts.append(f'<rect x="{LEFT}" y="{ly - 10}" width="14" height="4" fill="{colour}"/>')
        parts.append(f'<text x="{LEFT + 22}" y="{ly - 4}" font-size="12">{label}: {last}</text>')
    parts.append("</svg>")
    return "".join(parts)
