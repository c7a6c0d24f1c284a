"""Charts of the last 30 minutes as SVG drawn on the server: no chart library, no script, no CDN.

Each chart is a few polylines over 10-second buckets; a gap (a bucket nobody recorded)
breaks the line rather than drawing a fall to zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 44
# Told apart by colour-blind readers too (Okabe-Ito), and each series is named in the legend.
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442")

Series = tuple[str, Sequence[float | None]]


def nice_top(value: float) -> float:
    """The axis' top: 1, 2 or 5 times a power of ten, at or above the value."""
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 <= value:
        step *= 10
    while step > value * 10:
        step /= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10


def line_chart(title: str, series: Sequence[Series], *, start_label: str, end_label: str) -> str:
    """One SVG document: the series over the same buckets, oldest first."""
    points = max((len(values) for _, values in series), default=0)
    top = nice_top(max((v for _, values in series for v in values if v is not None), default=0.0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (points - 1) if points > 1 else 0)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        f' aria-label="{escape(title)}" font-family="sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#fff" stroke="#ccc"/>',
    ]
    for fraction in (0.5, 1.0):
        level = top * fraction
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(level):.1f}" y2="{y(level):.1f}"'
                     ' stroke="#eee"/>')
        parts.append(f'<text x="{LEFT - 4}" y="{y(level) + 4:.1f}" text-anchor="end">{_figure(level)}</text>')
    parts.append(f'<text x="{LEFT - 4}" y="{TOP + plot_h + 4}" text-anchor="end">0</text>')
    parts.append(f'<text x="{LEFT}" y="{HEIGHT - BOTTOM + 14}">{escape(start_label)}</text>')
    parts.append(f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - BOTTOM + 14}" text-anchor="end">'
                 f"{escape(end_label)}</text>")
    for index, (name, values) in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        for run in _runs(values):
            coords = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in run)
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{coords}"/>')
        legend_x = LEFT + (index % 4) * 150
        legend_y = HEIGHT - 14 + (index // 4) * 0
        parts.append(f'<rect x="{legend_x}" y="{legend_y - 8}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{legend_x + 14}" y="{legend_y + 1}">{escape(name[:22])}</text>')
    if not series:
        parts.append(f'<text x="{LEFT + plot_w / 2}" y="{TOP + plot_h / 2}" text-anchor="middle"'
                     ' fill="#666">-</text>')
    parts.append("</svg>")
    return "".join(parts)


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Stretches of consecutive known values; a single point becomes a short dash."""
    runs: list[list[tuple[int, float]]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append((i, value))
    return [run if len(run) > 1 else [*run, (run[0][0], run[0][1])] for run in runs if run]


def _figure(value: float) -> str:
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"
