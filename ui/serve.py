"""Start the portal: ``python -m ui.serve [streamlit options]`` is ``streamlit run app.py [options]``, fixed.

Streamlit treats an app whose main script has a ``pages/`` folder beside it as an old-style multipage app
until the first ``st.navigation`` call, and it decides that once per server process, when the first session
is made. The project layout puts the page scripts in ``pages/``, so the first session after every start
ran the file-listing mode: the sidebar listed every file in ``pages/``, ``/admin_users`` ran that page
without ``app.py`` and deep links such as ``/kysely`` showed "Page not found". This launcher tells
Streamlit before the server starts that the app uses ``st.navigation``, so every session is the same.
A plain ``streamlit run app.py`` still works: ``ui.legacy_pages.leave`` catches its first session.
"""

from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app.py"


def main(argv: list[str] | None = None) -> None:
    from streamlit.web import cli

    from ui.library_internals import use_navigation_only
    from yse_core import log

    use_navigation_only()
    log.configure()
    cli.main(args=["run", str(APP), *(sys.argv[1:] if argv is None else argv)], prog_name="streamlit")


if __name__ == "__main__":
    main()
