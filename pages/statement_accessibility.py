"""The accessibility statement (Act 306/2019): anyone may read it, logged in or not."""

from ui.statements_view import render

render("accessibility")
