"""Driving the real app.py with Streamlit's AppTest."""

from __future__ import annotations

import os
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def logged_in_app(db_path: Path, username: str, password: str = "yse-demo") -> AppTest:
    """Return an AppTest of app.py logged in as the user through the real login form."""
    os.environ["YSE_DB"] = str(db_path)
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    app.text_input[0].input(username)
    app.text_input[1].input(password)
    app.button[0].click()
    app.run()
    assert not app.exception, app.exception
    return app


def titles(app: AppTest) -> list[str]:
    return [element.value for element in app.title]
