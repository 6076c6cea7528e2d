"""What every page's document carries beyond Streamlit's own: its language and words in the loading placeholders.

``app.py`` calls ``frame()`` on every run, before the login form or any page, so both hold on every page.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import streamlit as st

from .session import lang, t

FAVICON = Path(__file__).with_name("favicon.svg")  # app.py's page icon
DOCUMENT_KEY = "yse-document"  # the container of the language script, hidden: it shows nothing and takes no gap

# Containers whose loading placeholders say what is coming; any other placeholder says "page.loading".
# A container key of ui/dossier.py or ui/indicators_panel.py → the catalogue text (prefix match: one per theme).
LOADING_TEXTS = {
    "dossier-key-figures": "dossier.loading_figures",
    "theme-statistics": "situation.panel_loading",
}


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
    """Write what is coming into the grey boxes Streamlit shows while an element's code is still loading.

    Streamlit draws such a box (``data-testid="stSkeleton"``, streamlit 1.67.0) in place of a table, a chart or a
    field the first time a browser needs its code; the box itself is hidden from screen readers, the text too.
    """
    rules = [_placeholder_rule('[data-testid="stSkeleton"]', t("page.loading"))]
    rules += [_placeholder_rule(f'[class*="st-key-{key}"] [data-testid="stSkeleton"]', t(text_key))
              for key, text_key in LOADING_TEXTS.items()]
    st.html("<style>" + "\n".join(rules) + "</style>")


def _placeholder_rule(selector: str, text: str) -> str:
    return (f"{selector} {{ display: flex; align-items: center; padding: 0 0.75rem; min-height: 2.5rem; }}\n"
            f"{selector}::after {{ content: {_css_string(text)}; font-size: 0.875rem; opacity: 0.8; }}")


def _css_string(text: str) -> str:
    """Return text as a CSS string literal (quotes, backslashes and line ends escaped the CSS way)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ").replace("<", "\\3c ")
    return f'"{escaped}"'
