"""The privacy notice (GDPR articles 13-14): anyone may read it, logged in or not."""

from ui.statements_view import render

render("privacy")
