"""Chart builders for indicators: pure functions from plain rows to plotly figures, each with a table twin.

Every chart has a text alternative (accessibility): ``trend_table`` for ``trend_figure`` and
``area_bar_table`` for ``area_bar_figure`` hold the numbers the chart draws (above ``MAX_BARS`` areas the table
also keeps the ones the ranked chart leaves out). Labels come from the translation catalogue; demo values are
named as such in the title and in an annotation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from yse_core import formatting
from yse_core.i18n import t

from .catalogue import load_catalogue
from .situation import unit_label

SERIES_ORDER = ("area", "country", "peers")
SERIES_STYLE = {
    "area": {"color": "#0b5394", "width": 3, "dash": "solid"},
    "country": {"color": "#444444", "width": 2, "dash": "dash"},
    "peers": {"color": "#e69138", "width": 2, "dash": "dot"},
}
HIGHLIGHT_COLOUR, BAR_COLOUR = "#0b5394", "#9fc5e8"
# Above MAX_BARS areas the ranked chart draws the EDGE_BARS highest and lowest and the chosen area with its
# NEIGHBOURS on either side (45 areas: all of them). Hundreds of bars are metres of chart that take the browser
# a second to draw; the table alternative keeps every area.
MAX_BARS, EDGE_BARS, NEIGHBOURS = 60, 25, 4


def _title(text: str, demo: bool, lang: str) -> str:
    return f"{text} {t('situation.demo_suffix', lang)}" if demo else text


def _demo_annotation(lang: str) -> dict:
    return {"text": t("situation.demo_annotation", lang), "showarrow": False, "xref": "paper", "yref": "paper",
            "x": 1, "y": 1.02, "xanchor": "right", "yanchor": "bottom", "font": {"size": 11, "color": "#a61c00"}}


def _axis_label(unit: str, lang: str) -> str:
    return unit_label(unit, lang)


def series_labels(area_label: str, peers: Sequence[str], points: Sequence[Mapping], lang: str) -> dict[str, str]:
    """Return the legend names of the trend series: the area's name, whole country, peer group (n areas[, median])."""
    median = any(point["series"] == "peers" and point.get("method") == "median" for point in points)
    return {
        "area": area_label,
        "country": t("situation.series.country", lang),
        "peers": t("situation.series.peers_median" if median else "situation.series.peers", lang, n=len(peers)),
    }


def trend_table(points: Sequence[Mapping], labels: Mapping[str, str], lang: str) -> pd.DataFrame:
    """Return the trend as a table: one row per period, one column per series (the chart's numbers)."""
    period_column = t("situation.col.period", lang)
    present = [series for series in SERIES_ORDER if any(point["series"] == series for point in points)]
    by_period: dict[str, dict[str, float]] = {}
    for point in points:
        by_period.setdefault(point["period"], {})[labels[point["series"]]] = point["value"]
    rows = [{period_column: period, **{labels[s]: by_period[period].get(labels[s]) for s in present}}
            for period in sorted(by_period)]
    return pd.DataFrame(rows, columns=[period_column, *(labels[s] for s in present)])


def trend_figure(points: Sequence[Mapping], code: str, labels: Mapping[str, str], lang: str) -> go.Figure:
    """Return a line chart of one indicator over time for the area, the whole country and the peer group."""
    indicator = load_catalogue().get(code)
    demo = any(point.get("is_demo") for point in points)
    figure = go.Figure()
    for series in SERIES_ORDER:
        rows = sorted((point for point in points if point["series"] == series), key=lambda point: point["period"])
        if not rows:
            continue
        style = SERIES_STYLE[series]
        figure.add_trace(go.Scatter(
            x=[row["period"] for row in rows], y=[row["value"] for row in rows], name=labels[series], mode="lines",
            line={"color": style["color"], "width": style["width"], "dash": style["dash"]},
            customdata=[formatting.value_with_unit(row["value"], indicator.unit, lang, indicator.decimals,
                                                signed=indicator.yoy_of is not None) for row in rows],
            hovertemplate="%{fullData.name}: %{customdata} (%{x|%Y-%m})<extra></extra>",
        ))
    figure.update_layout(
        title={"text": _title(indicator.name.get(lang), demo, lang)},
        xaxis={"title": {"text": t("situation.period_axis", lang)}, "tickformat": "%m/%Y", "hoverformat": "%Y-%m"},
        yaxis={"title": {"text": _axis_label(indicator.unit, lang)}, "rangemode": "tozero" if indicator.yoy_of is None
               else "normal", "separatethousands": True},
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
        margin={"l": 60, "r": 20, "t": 70, "b": 40}, height=430, hovermode="x unified",
        separators=", " if lang in ("fi", "sv") else ".,",
        annotations=[_demo_annotation(lang)] if demo else [],
    )
    return figure


def _area_label(row: Mapping, lang: str) -> str:
    return row["name_sv"] if lang == "sv" and row.get("name_sv") else row["name_fi"]


def area_bar_table(rows: Sequence[Mapping], code: str, lang: str) -> pd.DataFrame:
    """Return the areas and their values (highest first, missing last) as the bar chart's table alternative."""
    indicator = load_catalogue().get(code)
    value_column = f"{t('situation.col.value', lang)} ({unit_label(indicator.unit, lang)})"
    ordered = sorted(rows, key=lambda row: (row["value"] is None, -(row["value"] or 0), _area_label(row, lang)))
    return pd.DataFrame(
        [{t("situation.area", lang): _area_label(row, lang), value_column: row["value"]} for row in ordered],
        columns=[t("situation.area", lang), value_column],
    )


def area_bar_figure(rows: Sequence[Mapping], code: str, lang: str, *, highlight: str | None = None,
                    country_value: float | None = None) -> go.Figure:
    """Return a horizontal bar chart of one indicator across all areas, the chosen area highlighted."""
    indicator = load_catalogue().get(code)
    demo = any(row.get("is_demo") for row in rows)
    shown = sorted((row for row in rows if row["value"] is not None), key=lambda row: row["value"])  # largest on top
    period = next((row["period"] for row in rows if row.get("period")), "")
    signed = indicator.yoy_of is not None
    bars = []  # (value, label, colour, hover text)
    for row in bars_drawn(shown, highlight):
        if "skipped" in row:  # an empty category between the drawn ones, naming the ranks left out
            first, last = row["skipped"]
            bars.append((None, t("situation.bars_gap", lang, first=first, last=last, count=last - first + 1), BAR_COLOUR, ""))
        else:
            bars.append((row["value"], _area_label(row, lang), HIGHLIGHT_COLOUR if row["area_id"] == highlight else BAR_COLOUR,
                         formatting.value_with_unit(row["value"], indicator.unit, lang, indicator.decimals, signed=signed)))
    x, y, colours, texts = (list(column) for column in zip(*bars, strict=True)) if bars else ([], [], [], [])
    figure = go.Figure(go.Bar(
        x=x, y=y, orientation="h", marker_color=colours, customdata=texts,
        hovertemplate="%{y}: %{customdata}<extra></extra>", name=indicator.name.get(lang),
    ))
    shapes, annotations = [], []
    if country_value is not None:
        shapes.append({"type": "line", "x0": country_value, "x1": country_value, "xref": "x", "y0": 0, "y1": 1,
                       "yref": "paper", "line": {"color": "#444444", "dash": "dash", "width": 1.5}})
        annotations.append({
            "text": t("situation.country_line", lang, value=formatting.value_with_unit(country_value, indicator.unit, lang,
                                                                                 indicator.decimals, signed=signed)),
            "x": country_value, "xref": "x", "y": 0, "yref": "paper", "yanchor": "top", "showarrow": False,
            "font": {"size": 11, "color": "#444444"}, "bgcolor": "rgba(255,255,255,0.8)",
        })
    subtitle = t("situation.bar_subtitle", lang, period=formatting.period(period))
    if len(y) < len(shown):
        subtitle += " · " + t("situation.bars_part", lang, drawn=sum(1 for value in x if value is not None), total=len(shown))
    figure.update_layout(
        title={"text": _title(indicator.name.get(lang), demo, lang), "font": {"size": 15}, "subtitle": {"text": subtitle}},
        xaxis={"title": {"text": _axis_label(indicator.unit, lang)}, "separatethousands": True, "side": "top"},
        yaxis={"automargin": True, "tickfont": {"size": 11}},
        height=max(360, 18 * len(y) + 150), margin={"l": 10, "r": 20, "t": 110, "b": 30}, showlegend=False,
        separators=", " if lang in ("fi", "sv") else ".,", shapes=shapes, annotations=annotations, bargap=0.25,
    )
    return figure


def bars_drawn(shown: Sequence[Mapping], highlight: str | None) -> list[Mapping]:
    """The rows of ``shown`` (ascending by value) the ranked chart draws, with ``{"skipped": (first, last)}``
    (ranks, 1 the largest) where rows are left out: every row up to ``MAX_BARS``, else the ``EDGE_BARS`` lowest
    and highest and the highlighted area with ``NEIGHBOURS`` on either side."""
    count = len(shown)
    if count <= MAX_BARS:
        return list(shown)
    kept = set(range(EDGE_BARS)) | set(range(count - EDGE_BARS, count))
    at = next((index for index, row in enumerate(shown) if row["area_id"] == highlight), None)
    if at is not None:
        kept |= set(range(max(0, at - NEIGHBOURS), min(count, at + NEIGHBOURS + 1)))
    drawn, previous = [], -1
    for index in sorted(kept):
        if index > previous + 1:  # ascending indexes previous+1 … index-1 are ranks count-index+1 … count-previous-1
            drawn.append({"skipped": (count - index + 1, count - previous - 1)})
        drawn.append(shown[index])
        previous = index
    return drawn


__all__ = [
    "area_bar_figure",
    "bars_drawn",
    "area_bar_table",
    "series_labels",
    "trend_figure",
    "trend_table",
]
