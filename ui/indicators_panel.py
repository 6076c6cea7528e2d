"""Indicator tables and charts as Streamlit elements: the situation page's parts and the questionnaire's panel.

Reads are cached here, at the edge (``ui.cache``), keyed by the database path, its data stamp (it changes with
every import or membership change) and the inputs (a round's statistics month among them: an admin may change it
without any import); the core functions they call stay pure.
"""

from __future__ import annotations

import streamlit as st

from yse_core import formatting
from yse_core.i18n import t as translate
from yse_core.indicators import charts, geo, load_catalogue, situation
from yse_core.rounds import reference_period

from . import document
from .cache import cached
from .session import lang, t


@cached(max_entries=512, loading="dossier.loading_figures")
def _key_figures(db, area_id: str, reference: str | None) -> tuple[list[str], list[dict]]:
    peers = situation.peer_group(db, area_id, reference=reference)
    return peers, situation.key_figures(db, area_id, peers=peers, reference=reference)


@cached(max_entries=512, loading="situation.panel_loading")
def _theme_figures(db, area_id: str, codes: tuple[str, ...], reference: str | None) -> list[dict]:
    return situation.theme_figures(db, area_id, list(codes), reference=reference)


@cached(max_entries=512)
def _trend(db, area_id: str, code: str, peers: tuple[str, ...]) -> list[dict]:
    return situation.trend(db, area_id, code, list(peers))


@cached(max_entries=256)
def _ranking(db, code: str) -> tuple[list[dict], float | None]:
    rows = situation.area_ranking(db, code)
    period = rows[0]["period"] if rows else None
    return rows, situation.country_value(db, code, period) if period else None


def _data_table(frame) -> None:
    """Show a chart's table alternative, numbers in the reader's locale (12 345,6 in Finnish), a dash for a missing one."""
    frame = formatting.table_cells(frame, lang())
    localized = {column: st.column_config.NumberColumn(format="localized") for column in frame.columns
                 if frame[column].dtype.kind in "if"}
    st.dataframe(frame, hide_index=True, column_config=localized)


def key_figures(db, area_id: str, reference: str | None = None) -> tuple[list[str], list[dict]]:
    """Return (peer group ids, key figures) of an area at a statistics month (None: the latest), cached."""
    return _key_figures(db, area_id, reference)


def render_key_figures(figures: list[dict], peers: list[str], peer_names: dict[str, str], *,
                       reference: str | None = None, round_year: int | None = None, printable: bool = False) -> None:
    """Show the key figures table with the statistics month, the peer group and the caveats and definitions.

    ``printable`` writes the peer rule and the caveats out instead of behind a tooltip and a closed expander.
    """
    language = lang()
    month = situation.period_caption([figure["period"] for figure in figures], language, reference=reference,
                                     round_year=round_year)
    st.caption(f"{month} {t('situation.key_figures_caption')}".strip())
    document.table(formatting.table_cells(situation.key_figures_table(figures, language)))
    if peers:
        names = t("situation.peers_line", names=", ".join(peer_names.get(p, p) for p in peers))
        rule = t("situation.peers_rule", n=len(peers))
        if printable:
            st.caption(f"{names} {rule}")
        else:
            st.caption(names, help=rule)
    else:
        st.caption(t("situation.no_peers"))
    if printable:
        for names, caveat in situation.caveats(figures, language):
            st.caption(f"**{names}:** {caveat}")
        return
    with st.expander(t("situation.caveats")):
        for names, caveat in situation.caveats(figures, language):
            st.markdown(f"**{names}:** {caveat}")
        st.markdown(f"**{t('situation.definitions')}**")
        for figure in figures:
            st.markdown(f"- **{figure['name'].get(language)}**: {figure['definition'].get(language)}")


@cached(max_entries=256)
def _trend_figure(db, area_id: str, area_label: str, code: str, peers: tuple[str, ...], language: str):
    """The trend chart and its table: built once per input, then shared (plotly builds a figure in tens of ms)."""
    points = _trend(db, area_id, code, peers)
    labels = charts.series_labels(area_label, peers, points, language)
    return charts.trend_figure(points, code, labels, language), charts.trend_table(points, labels, language)


def render_trend(db, area_id: str, area_label: str, code: str, peers: list[str]) -> None:
    """Show one indicator's trend for the area, the whole country and the peer group, with its table."""
    figure, table_frame = _trend_figure(db, area_id, area_label, code, tuple(peers), lang())
    st.plotly_chart(figure, key=f"trend-{code}")
    if (table := document.lazy_expander(t("situation.table_alternative"), key=f"table-trend-{code}")) is not None:
        with table:
            _data_table(table_frame)


@cached(max_entries=256)
def _comparison_figures(db, code: str, area_id: str, names: tuple[tuple[str, str], ...], language: str):
    """The map and the ranked bars of one indicator across all areas, with the area chosen: built once per input.

    Building the map's figure (plotly validating its geometry) took about 60 ms of every run at ten times the scale.
    """
    rows, country = _ranking(db, code)
    indicator = load_catalogue().get(code)
    period = formatting.period(rows[0]["period"] if rows else None)
    area_map = geo.area_map_figure(
        geo.load_display_map(), {row["area_id"]: row["value"] for row in rows}, indicator.name.get(language),
        situation.unit_label(indicator.unit, language), language, names=dict(names),
        higher_is_worse=indicator.higher_is_worse, decimals=indicator.decimals, highlight=area_id,
        subtitle=translate("situation.map_subtitle", language, period=period),
        demo=any(row["is_demo"] for row in rows))
    bars = charts.area_bar_figure(rows, code, language, highlight=area_id, country_value=country)
    return area_map, bars, charts.area_bar_table(rows, code, language)


def render_comparison(db, area_id: str, code: str, names: dict[str, str]) -> None:
    """Show one indicator across all areas as a map and a ranked bar chart, with one table for both."""
    area_map, bars, table_frame = _comparison_figures(db, code, area_id, tuple(names.items()), lang())
    map_column, bar_column = st.columns([1, 1])
    map_column.plotly_chart(area_map, key=f"map-{code}", config=geo.PLOTLY_CONFIG)
    bar_column.plotly_chart(bars, key=f"bars-{code}")
    if (table := document.lazy_expander(t("situation.table_alternative"), key=f"table-bars-{code}")) is not None:
        with table:
            _data_table(table_frame)


def render_theme_indicators(db, area_id: str, codes: list[str], round_row: dict | None = None, key: str = "") -> None:
    """Show a compact table of a theme's indicators (area vs whole country) with the source and demo status.

    With a round, every figure is its latest at or before the round's statistics month, and the month is said.
    ``key`` tells the panels of one page apart (the theme's id, in the key of the panel's container).
    """
    if not codes or not area_id:
        return
    language = lang()
    reference = reference_period(db, round_row) if round_row else None
    with st.container(border=True, key=f"theme-statistics-{key}" if key else "theme-statistics"):
        st.markdown(f"**{t('situation.panel_heading')}**")
        figures = _theme_figures(db, area_id, tuple(codes), reference)  # a spinner says what is coming if it is read
        if not figures:
            st.caption(t("situation.panel_empty"))
            return
        document.table(formatting.table_cells(situation.theme_table(figures, language, notes=False)))  # narrow: notes below
        st.caption(situation.period_caption([figure["period"] for figure in figures], language, reference=reference,
                                            round_year=round_row["year"] if round_row else None))
        for name, note in situation.partial_notes(figures, language):
            st.caption(f"**{name}:** {note}")
        if any(figure["is_demo"] for figure in figures):
            source = t("situation.panel_demo")
        else:
            source = t("situation.panel_caption", sources="; ".join(dict.fromkeys(f["indicator_source"] for f in figures)))
        st.caption(f"{source} {t('situation.panel_more')}")
        for names, caveat in situation.caveats(figures, language):  # e.g. vacancies of unknown location
            st.caption(f"{names}: {caveat}")
