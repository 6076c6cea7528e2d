"""Discussion points (gaps between statistics and answers) as the pages show them."""

from __future__ import annotations

import streamlit as st

from yse_core import db as yse_db
from yse_core.demo_answers import DEMO_ACCOUNT_PREFIX
from yse_core.gaps.service import area_figures, points_for_context, points_for_round
from yse_core.responses import change_counts
from yse_core.rounds import reference_period

from .cache import ReadCache, cached, stamp_key
from .document import escape_markdown
from .session import lang, t

SEVERITY_ICON = {"high": ":material/error:", "medium": ":material/warning:", "info": ":material/info:"}
SEVERITY_MARK = {3: "●●● ", 2: "●● ", 1: "● ", 0: ""}
SEVERITY_BY_LEVEL = {3: "high", 2: "medium", 1: "info"}


@cached(max_entries=1024, loading="dossier.loading_points")
def _figures(db, area_id: str, reference: str | None) -> dict:
    """The figures the rules read for an area at a statistics month: they change only with the data stamp (an
    import) or another month (``reference``), so they are read once; ``points_for_context`` only reads them."""
    return area_figures(db, area_id, reference=reference)


def context_points(db, context) -> list:
    """Return the discussion points of a loaded response at its round's statistics month; the figures come from
    the per-import cache, and answers last written by a demo account are labelled demo."""
    figures = _figures(db, context.area["id"], reference_period(db, context.round))
    demo = yse_db.is_demo(db) and any(answer.updated_by.startswith(DEMO_ACCOUNT_PREFIX)
                                      for answer in context.answers.values())
    return points_for_context(context, figures, demo_answers=demo)


_ROUND_POINTS = ReadCache(max_entries=5000)  # ten rounds of 450 areas


def round_points(db, user, round_year: int) -> dict[str, list]:
    """Area id → discussion points of a round for the areas the user may read, re-evaluating only what changed.

    An area's points depend on its answers (its response's change count goes up with every save), the figures
    (the data stamp changes with every import or membership change) and the rules (fixed per process); they do
    not depend on the reader, whose permission picks the areas before the lookup.
    The round overview reruns on every filter click; keeping each area's points under that key means a
    rerun evaluates only the areas whose answers changed since, instead of every area of the round.
    """
    with yse_db.snapshot(db):  # the counts, the stamp and the points read at one moment
        stamp = stamp_key(db)
        reference = reference_period(db, round_year)  # a new statistics month gives every area new points
        counts = {area_id: count for area_id, count in change_counts(db, round_year).items()
                  if user.can_read_area(area_id)}
        keys = {area_id: (*stamp, reference, round_year, area_id, count) for area_id, count in counts.items()}
        found = {area_id: points for area_id, key in keys.items() if (points := _ROUND_POINTS.get(key)) is not None}
        missing = [area_id for area_id in keys if area_id not in found]
        if missing:
            fresh = points_for_round(db, round_year, user, area_ids=missing)
            for area_id, points in fresh.items():
                _ROUND_POINTS.put(keys[area_id], points)
            found.update(fresh)
    return {area_id: found[area_id] for area_id in sorted(found)}


def severity_label(level: int) -> str:
    """Return a short text label for a heat-map level (0 none … 3 high)."""
    return SEVERITY_MARK[level] + (t(f"gaps.severity_{SEVERITY_BY_LEVEL[level]}") if level else t("gaps.none"))


def render_points(points, *, empty_key: str = "gaps.no_points") -> None:
    """Show discussion points as plain text, most severe first, each with its severity."""
    if not points:
        st.caption(t(empty_key))
        return
    language = lang()
    for point in points:
        render = {"high": st.error, "medium": st.warning}.get(point.severity, st.info)
        render(f"**{t('gaps.severity_' + point.severity)} · {point.title_in(language)}**  \n{escape_markdown(point.message(language))}",
               icon=SEVERITY_ICON.get(point.severity))
