"""Static PNG charts for Word exports, drawn with matplotlib's Agg renderer (no browser, no display).

Builders take plain data and return PNG bytes; they use ``matplotlib.figure.Figure`` directly rather
than pyplot, so no global figure state is kept and several exports can draw at the same time.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

import matplotlib

matplotlib.use("Agg")  # before anything else of matplotlib is imported: never look for a display

from matplotlib.dates import DateFormatter, MonthLocator  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

AREA_COLOUR = "#0b4f8a"
COUNTRY_COLOUR = "#8a8f98"
NOTE_COLOUR = "#b00020"
Point = tuple[str, float | None]


class Panel(NamedTuple):
    """One indicator's monthly values (``YYYY-MM``) for the area and the whole country."""

    title: str
    area_points: Sequence[Point]
    country_points: Sequence[Point]
    unit_label: str = ""


def _month(period: str) -> date:
    year, month = period.split("-")
    return date(int(year), int(month), 1)


def trend_panels_png(
    panels: Sequence[Panel],
    area_label: str,
    country_label: str,
    *,
    note: str | None = None,
    width_inches: float = 6.3,
    panel_inches: float = 1.9,
    dpi: int = 130,
) -> bytes:
    """Return one PNG of stacked line charts, one panel per indicator, sharing the time axis and one legend.

    One figure for all panels draws the dates and the legend once, which is a third faster than a
    figure per indicator. Missing values (None) leave gaps in the line rather than being drawn as zero.
    """
    figure = Figure(figsize=(width_inches, panel_inches * len(panels) + 0.5), dpi=dpi)
    axes_list = figure.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    # Fixed margins rather than a layout engine: the layout engine measures every label and is slow.
    figure.subplots_adjust(left=0.09, right=0.975, top=1 - 0.3 / figure.get_figheight(),
                           bottom=0.55 / figure.get_figheight(), hspace=0.38)
    first = last = None
    for axes, panel in zip(axes_list, panels, strict=True):
        for label, points, colour, style in (
            (area_label, panel.area_points, AREA_COLOUR, "-"),
            (country_label, panel.country_points, COUNTRY_COLOUR, "--"),
        ):
            monthly = [(period, value) for period, value in points if len(period) == 7]
            if not monthly:
                continue
            dates = [_month(period) for period, _ in monthly]
            values = [float("nan") if value is None else value for _, value in monthly]
            axes.plot(dates, values, style, color=colour, linewidth=2 if style == "-" else 1.6, label=label)
            first = min(first or dates[0], dates[0])
            last = max(last or dates[-1], dates[-1])
        axes.set_title(panel.title, fontsize=10, loc="left")
        if panel.unit_label:
            axes.set_ylabel(panel.unit_label, fontsize=8)
        axes.tick_params(labelsize=8)
        axes.grid(True, axis="y", color="#dddddd", linewidth=0.6)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        if note:
            axes.text(0.99, 0.03, note, transform=axes.transAxes, ha="right", va="bottom", fontsize=7, color=NOTE_COLOUR)
    bottom = axes_list[-1]
    if first and last and first < last:
        bottom.set_xlim(first, last)  # no empty margin, so no tick label falls off the right edge
    bottom.xaxis.set_major_locator(MonthLocator(bymonth=(1, 7)))
    bottom.xaxis.set_major_formatter(DateFormatter("%m/%Y"))
    handles, labels = axes_list[0].get_legend_handles_labels()
    if handles:  # below the last axis: never on top of the lines, whatever the length of the area's name
        figure.legend(handles, labels, fontsize=8, frameon=False, loc="lower center", ncol=2)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
