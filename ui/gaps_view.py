"""Discussion points (gaps between statistics and answers) as the pages show them."""

from __future__ import annotations

import streamlit as st

from .session import lang, t

SEVERITY_ICON = {"high": ":material/error:", "medium": ":material/warning:", "info": ":material/info:"}
SEVERITY_MARK = {3: "●●● ", 2: "●● ", 1: "● ", 0: ""}
SEVERITY_BY_LEVEL = {3: "high", 2: "medium", 1: "info"}


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
        render(f"**{t('gaps.severity_' + point.severity)} · {point.title_in(language)}**  \n{_plain(point.message(language))}",
               icon=SEVERITY_ICON.get(point.severity))


def _plain(text: str) -> str:
    """Escape Markdown in a generated message that quotes people's answers."""
    return "".join("\\" + ch if ch in "\\`*_{}[]<>#|" else ch for ch in text)
