"""What every page's document carries beyond Streamlit's own: its language and words in the loading placeholders.

``app.py`` calls ``frame()`` on every run, before the login form or any page, so both hold on every page.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd
import streamlit as st

from .session import lang, t

FAVICON = Path(__file__).with_name("favicon.svg")  # app.py's page icon
PORTAL_STYLE = Path(__file__).with_name("portal.css").read_text()  # every page's own rules (the tables of ``table``)
DOCUMENT_KEY = "yse-document"  # the container of the language script, hidden: it shows nothing and takes no gap

# Every ASCII character Streamlit's Markdown gives a meaning to: emphasis, code, links, HTML, headings, lists,
# tables, LaTeX ($) and strikethrough (~). CommonMark lets any ASCII punctuation be escaped with a backslash.
MARKDOWN_MARKUP = frozenset("\\`*_{}[]<>()#+-.!|$~=")


def escape_markdown(text: str) -> str:
    """``text`` as Markdown that shows it literally, on one line: every markup character backslash-escaped.

    The one escape for text in ``st.markdown`` that is not ours to format: answers, names, generated messages
    quoting answers, questionnaire texts.
    """
    return "".join("\\" + ch if ch in MARKDOWN_MARKUP else ch for ch in text)


def literal_html(text: str) -> str:
    """HTML that shows ``text`` as it was typed, line by line: markup escaped, line breaks and indents kept."""
    lines = []
    for line in text.split("\n"):
        body = line.lstrip(" \t")
        lines.append("&nbsp;" * (len(line) - len(body)) + html.escape(body))
    return "<br>".join(lines)


def table(frame: pd.DataFrame) -> None:
    """Show a small static table (key figures, a theme's statistics, a measures answer) as one HTML element.

    Not ``st.table``: it draws every cell as a Markdown element, 367 of them in a dossier, which the browser
    parsed and drew on every open (docs/benchmarks.md); and a cell's text is shown as it is, never as markup.
    The cells are the frame's values as text (``formatting.table_cells`` puts a dash in an empty one).
    """
    st.html(html_table(frame))


def html_table(frame: pd.DataFrame) -> str:
    """``frame`` as an HTML table of escaped text: its columns as column headers, no index."""
    head = "".join(f'<th scope="col">{html.escape(str(column))}</th>' for column in frame.columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(value))}</td>" for value in row) + "</tr>"
                   for row in frame.itertuples(index=False))
    return f'<table class="yse-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def lazy_expander(label: str, key: str):
    """An expander whose content is built only while it is open: the container, or None while it is closed.

    A closed ``st.expander`` still runs, sends and draws its content; a table alternative under a chart (a grid
    of 45 rows) cost every page open its bytes and its drawing. Opening it reruns the page (``on_change``), and
    the expander stays open for the session (its state lives under ``key``).
    """
    box = st.expander(label, key=key, on_change="rerun")
    return box if box.open else None


def frame() -> None:
    """Set the document's language and the texts of the loading placeholders for this run's language."""
    document_language(lang())
    loading_placeholders()


def document_language(language: str) -> None:
    """Set ``<html lang>`` to the reader's language (WCAG 3.1.1): Streamlit's page says "en" and has no API for it.

    The script runs again only when its text changes, that is when the language does.
    """
    hidden_script(DOCUMENT_KEY, f"document.documentElement.lang = {json.dumps(language)};")


def hidden_script(key: str, script: str) -> None:
    """Run ``script`` in the page from a keyed block that takes no space; the browser runs it again only when
    its text changes (an unchanged element is not drawn anew)."""
    # The keyed block and its wrapper (which would keep a gap in the column) are hidden; the script still runs.
    hidden = f".st-key-{key}, [data-testid='stLayoutWrapper']:has(> .st-key-{key})"
    st.html(f"<style>{hidden} {{ display: none; }}</style>")
    with st.container(key=key):
        st.html(f"<script>{script}</script>", unsafe_allow_javascript=True)


def loading_placeholders() -> None:
    """Write what is coming into the grey boxes Streamlit shows while an element's code is still loading, beside
    the portal's own style rules (one style element a run).

    Streamlit draws such a box (``data-testid="stSkeleton"``, streamlit 1.67.0) in place of a chart, a grid or a
    field the first time a browser needs its code; the box itself is hidden from screen readers, the text too.
    """
    placeholder = _placeholder_rule('[data-testid="stSkeleton"]', t("page.loading"))
    st.html(f"<style>{PORTAL_STYLE}\n{placeholder}</style>")


def _placeholder_rule(selector: str, text: str) -> str:
    return (f"{selector} {{ display: flex; align-items: center; padding: 0 0.75rem; min-height: 2.5rem; }}\n"
            f"{selector}::after {{ content: {_css_string(text)}; font-size: 0.875rem; opacity: 0.8; }}")


def _css_string(text: str) -> str:
    """Return text as a CSS string literal (quotes, backslashes and line ends escaped the CSS way)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ").replace("<", "\\3c ")
    return f'"{escaped}"'
