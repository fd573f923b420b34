"""A stacked bar chart as inline SVG, drawn on the server: no chart library, no CDN, no script."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .models import Function

# Colour-blind-safe palette (Okabe–Ito), each with a text label in the legend and the table.
COLOURS = {Function.A: "#0072B2", Function.B: "#E69F00", Function.C: "#009E73", Function.OTHER: "#999999"}


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


def stacked_bars(months: list[dt.date], totals: dict[str, list[int]], *, width: int = 640, height: int = 240) -> dict:
    left, bottom, top = 40, 28, 10
    plot_height = height - bottom - top
    column = (width - left - 10) / max(len(months), 1)
    peak = max([sum(totals[f.value][i] for f in Function) for i in range(len(months))] + [1])
    scale = plot_height / peak
    bars, labels = [], []
    for i, month in enumerate(months):
        x = left + i * column + column * 0.15
        y = height - bottom
        for function in Function:
            n = totals[function.value][i]
            if not n:
                continue
            h = n * scale
            y -= h
            bars.append(Bar(x, y, column * 0.7, h, COLOURS[function], f"{month.month}月 {function.label}：{n}件"))
        labels.append({"x": x + column * 0.35, "y": height - 8, "text": f"{month.month}月"})
    ticks = [{"y": height - bottom - v * scale, "value": v} for v in _ticks(peak)]
    return {"width": width, "height": height, "bars": bars, "labels": labels, "ticks": ticks, "left": left,
            "legend": [{"colour": COLOURS[f], "label": f.label} for f in Function]}


def _ticks(peak: int) -> list[int]:
    step = max(1, round(peak / 4))
    return list(range(0, peak + 1, step))
