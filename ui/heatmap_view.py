"""The round overview's heat map: areas × themes as a real HTML table, and the same content as a data table.

Each cell shows the theme's number of discussion points and the most severe one's level as a word and a mark
(●●● high, ●● medium, ● info), the colour only repeating it (WCAG 1.4.1). A cell with points is a link to the
area view at that theme, so it is reached with Tab and opened with Enter; its accessible name says the area,
the theme, the count and the level. The theme headers are short labels with the full name as their tooltip
and in the list under the table, so every theme fits a 1400 px window. The grid itself is plain data
(``yse_core.gaps.heatmap``); these functions take the language explicitly and escape every text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape
from urllib.parse import urlencode

import pandas as pd

from yse_core.gaps.heatmap import HeatCell
from yse_core.i18n import catalogue
from yse_core.i18n import t as translate
from yse_core.questionnaire.models import Theme

AREA_VIEW_PATH = "alue"  # the area view's url path in app.py's PAGES; it reads ?area=…&teema=…
MARK = {3: "●●●", 2: "●●", 1: "●", 0: ""}
LEVEL_WORD = {3: "high", 2: "medium", 1: "info"}
ROWS_AT_ONCE = 50  # the overview draws the map a page of rows at a time: 45 areas fit one

CSS = """
.yse-hm-wrap { width: 100%; }
.yse-hm { width: 100%; border-collapse: collapse; table-layout: fixed; font-size: 0.85rem; line-height: 1.25; }
.yse-hm th, .yse-hm td { border: 1px solid #c8c8c8; padding: 0; vertical-align: middle; }
.yse-hm thead th { padding: 0.3rem 0.15rem; font-size: 0.8rem; font-weight: 600; text-align: center; background: #f0f2f6;
  overflow-wrap: break-word; hyphens: manual; }
.yse-hm thead th.yse-hm-area { text-align: left; padding-left: 0.5rem; }
.yse-hm tbody th { text-align: left; font-weight: normal; padding: 0.25rem 0.5rem; overflow-wrap: break-word; }
.yse-hm td.yse-hm-plain { text-align: center; padding: 0.25rem; }
.yse-hm td a { display: block; padding: 0.2rem 0.15rem; color: inherit !important; text-decoration: none !important;
  text-align: center; }
.yse-hm td a:hover .yse-hm-word { text-decoration: underline; }
.yse-hm td a:focus-visible { outline: 3px solid #1e3a8a; outline-offset: -3px; box-shadow: inset 0 0 0 5px #ffffff; }
.yse-hm .yse-hm-count { display: block; font-weight: 700; font-size: 1rem; }
.yse-hm .yse-hm-word { display: block; font-size: 0.75rem; }
.yse-hm-wrap .yse-hm-l3 { background: #b91c1c; color: #ffffff; }
.yse-hm-wrap .yse-hm-l2 { background: #f59e0b; color: #1a1200; }
.yse-hm-wrap .yse-hm-l1 { background: #fef3c7; color: #3d2e00; }
.yse-hm-wrap .yse-hm-l0 { color: #4a4a4a; text-align: center; }
.yse-hm-legend { display: flex; flex-wrap: wrap; gap: 0.4rem 1rem; margin: 0 0 0.5rem 0; padding: 0; list-style: none;
  font-size: 0.85rem; }
.yse-hm-legend li { display: flex; align-items: center; gap: 0.35rem; margin: 0; }
.yse-hm-swatch { display: inline-block; min-width: 2.2rem; padding: 0 0.3rem; text-align: center;
  border: 1px solid #c8c8c8; }
.yse-hm-themes { font-size: 0.85rem; margin: 0.5rem 0 0 0; padding-left: 1.2rem; }
.yse-hm-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
"""


SOFT_HYPHEN = "\u00ad"


def theme_label(theme: Theme, language: str, *, breakable: bool = False) -> str:
    """The theme's short label (``gaps.theme_short.<id>``), else its title cut to 24 characters.

    ``breakable`` keeps the catalogue's soft hyphens, where a column header may break a long word; elsewhere
    (names, tooltips, choices) they are left out."""
    key = f"gaps.theme_short.{theme.id}"
    if key in catalogue():
        label = translate(key, language)
    else:
        title = theme.title.get(language)
        label = title if len(title) <= 24 else title[:23].rstrip() + "…"
    return label if breakable else label.replace(SOFT_HYPHEN, "")


def level_word(level: int, language: str) -> str:
    """The level as a lower-case word: korkea, keskitaso, tiedoksi; "ei kohtia" for none."""
    return translate(f"gaps.level.{LEVEL_WORD[level]}", language) if level else translate("gaps.cell_none", language)


def cell_label(area: str, theme: str, cell: HeatCell, language: str) -> str:
    """A cell's accessible name: "Helsinki – Omat toimet: 2 kohtaa, vakavin korkea"."""
    if not cell.count:
        return f"{area} – {theme}: {translate('gaps.cell_none', language)}"
    key = "gaps.cell_one" if cell.count == 1 else "gaps.cell_many"
    return translate(key, language, area=area, theme=theme, count=cell.count, severity=level_word(cell.level, language))


def _label_parts(area: str, theme: str, cell: HeatCell, language: str) -> tuple[str, str, str]:
    """The cell's accessible name (``cell_label``) cut around the visible count and level word: the words before
    the count, between the count and the level, and after the level."""
    entry = catalogue()["gaps.cell_one" if cell.count == 1 else "gaps.cell_many"]
    template = entry.get(language) or entry["fi"]
    head, _, rest = template.partition("{count}")
    middle, _, tail = rest.partition("{severity}")
    values = {"area": area, "theme": theme, "count": cell.count, "severity": level_word(cell.level, language)}
    return head.format_map(values), middle.format_map(values), tail.format_map(values)


def cell_text(cell: HeatCell, language: str) -> str:
    """A cell as plain text for the data table: "2 · ●●● korkea", or "–" without points."""
    if not cell.count:
        return "–"
    return f"{cell.count} · {MARK[cell.level]} {level_word(cell.level, language)}"


def area_link(area_id: str, theme_id: str | None = None) -> str:
    """The area view's address (relative to the portal's pages) at a theme."""
    params = {"area": area_id, **({"teema": theme_id} if theme_id else {})}
    return f"{AREA_VIEW_PATH}?{urlencode(params)}"


def _legend(language: str) -> str:
    items = "".join(
        f'<li><span class="yse-hm-swatch yse-hm-l{level}">{MARK[level]}</span>'
        f"{escape(level_word(level, language))}</li>"
        for level in (3, 2, 1)
    )
    items += f'<li><span class="yse-hm-swatch">–</span>{escape(translate("gaps.cell_none", language))}</li>'
    return f'<ul class="yse-hm-legend" aria-label="{escape(translate("gaps.heatmap_legend", language))}">{items}</ul>'


def heatmap_html(
    rows: Sequence[Mapping[str, str]], themes: Sequence[Theme], cells: Mapping[tuple[str, str], HeatCell],
    language: str,
) -> str:
    """The heat map as one HTML table: ``rows`` are {area_id, name, state, note} in display order (``note`` a mark
    shown after the name, such as "†"), ``cells`` the grid by (area id, theme id). Every text is escaped; the only
    markup is the table's own."""
    labels = {theme.id: theme_label(theme, language) for theme in themes}
    head = (
        f'<th scope="col" class="yse-hm-area">{escape(translate("overview.area", language))}</th>'
        f'<th scope="col">{escape(translate("home.state", language))}</th>'
        f'<th scope="col">{escape(translate("gaps.heatmap_total", language))}</th>'
        + "".join(f'<th scope="col" title="{escape(theme.title.get(language))}">'
                  f"{escape(theme_label(theme, language, breakable=True))}</th>" for theme in themes)
    )
    body = []
    for row in rows:
        area_id, name = row["area_id"], row["name"]
        row_cells = [cells.get((area_id, theme.id), HeatCell(area_id, theme.id, 0, None)) for theme in themes]
        note = f"\u00a0{escape(row['note'])}" if row.get("note") else ""  # the mark stays with the last word
        parts = [f'<th scope="row">{escape(name)}{note}</th>', f'<td class="yse-hm-plain">{escape(row["state"])}</td>',
                 f'<td class="yse-hm-plain">{sum(cell.count for cell in row_cells)}</td>']
        for theme, cell in zip(themes, row_cells, strict=True):
            if cell.count:
                # The link's name comes from its content, hidden words included, so the visible count and level are
                # part of it (WCAG 2.5.3): "Helsinki – Omat toimet: 2 kohtaa, vakavin korkea"; the marks are not read.
                before, between, after = _label_parts(name, labels[theme.id], cell, language)
                parts.append(
                    f'<td class="yse-hm-l{cell.level}"><a href="{escape(area_link(area_id, theme.id))}" '
                    f'title="{escape(cell_label(name, labels[theme.id], cell, language))}">'
                    f'<span class="yse-hm-sr">{escape(before)}</span><span class="yse-hm-count">{cell.count}</span>'
                    f'<span class="yse-hm-sr">{escape(between)}</span><span class="yse-hm-word">'
                    f'<span aria-hidden="true">{MARK[cell.level]} </span>{escape(level_word(cell.level, language))}</span>'
                    + (f'<span class="yse-hm-sr">{escape(after)}</span>' if after else "") + "</a></td>"
                )
            else:
                parts.append(f'<td class="yse-hm-l0"><span aria-hidden="true">–</span>'
                             f'<span class="yse-hm-sr">{escape(translate("gaps.cell_none", language))}</span></td>')
        body.append("<tr>" + "".join(parts) + "</tr>")
    width = f"{70 / max(len(themes), 1):.2f}%"
    cols = ('<colgroup><col style="width:16%"><col style="width:8%"><col style="width:6%">'
            + "".join(f'<col style="width:{width}">' for _ in themes) + "</colgroup>")
    theme_list = "".join(f"<li><strong>{escape(labels[theme.id])}</strong>: {escape(theme.title.get(language))}</li>"
                         for theme in themes)
    caption = escape(translate("gaps.heatmap_caption", language, areas=len(rows)))
    return (
        f"<style>{CSS}</style>"
        f'<div class="yse-hm-wrap" lang="{escape(language)}">{_legend(language)}'
        f'<table class="yse-hm"><caption class="yse-hm-sr">{caption}</caption>{cols}'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        f'<ul class="yse-hm-themes" aria-label="{escape(translate("gaps.heatmap_themes", language))}">{theme_list}</ul>'
        "</div>"
    )


def heatmap_frame(
    rows: Iterable[Mapping[str, str]], themes: Sequence[Theme], cells: Mapping[tuple[str, str], HeatCell], language: str,
) -> pd.DataFrame:
    """The same content as a data table (sortable by its column headers): area, state, points, most severe (0–3)
    and one text column per theme."""
    records = []
    for row in rows:
        row_cells = [cells.get((row["area_id"], theme.id), HeatCell(row["area_id"], theme.id, 0, None)) for theme in themes]
        records.append({
            "area": row["name"] + (f" {row['note']}" if row.get("note") else ""), "state": row["state"], "total": sum(cell.count for cell in row_cells),
            "max": max((cell.level for cell in row_cells), default=0),
            **{theme.id: cell_text(cell, language) for theme, cell in zip(themes, row_cells, strict=True)},
        })
    return pd.DataFrame(records, columns=["area", "state", "total", "max", *[theme.id for theme in themes]])
