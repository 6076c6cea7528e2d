"""Fragment reruns under AppTest, as the browser asks for them.

When a widget inside an ``st.fragment`` changes, the browser asks the server to rerun only that fragment
(the rerun request carries the fragment's id). ``AppTest.run()`` always reruns the whole app, so a test or
the bench that wants the server's real work after an answer change has to ask for the fragment itself.
AppTest keeps the fragments a full run registered (``AppTest._fragment_storage``); this module reads
their ids and makes ``run()`` send them, through the same ``RerunData`` field the server fills in.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator

from streamlit.runtime.scriptrunner_utils.script_requests import RerunData
from streamlit.testing.v1 import local_script_runner


def fragment_ids(app) -> list[str]:
    """Return the ids of the fragments the app's last full run registered, in registration order."""
    storage = app._fragment_storage
    return sorted(storage._fragments, key=lambda fragment_id: storage._registration_sequence_by_id.get(fragment_id, 0))


def fragment_called_with(app, predicate) -> str:
    """Return the id of the one registered fragment whose call had an argument for which ``predicate`` is true.

    A fragment function called once per question (say) registers one fragment per call; the browser
    knows which one holds a widget from the page's messages, a test finds it by the arguments the
    fragment was called with (kept in the closure Streamlit reruns it from).
    """
    matches = []
    for fragment_id in fragment_ids(app):
        fragment = app._fragment_storage._fragments[fragment_id]
        cells = dict(zip(fragment.__code__.co_freevars, (cell.cell_contents for cell in fragment.__closure__ or ()),
                         strict=True))
        if "args" not in cells or "kwargs" not in cells:
            raise RuntimeError("Streamlit's fragment wrapper no longer keeps its call's arguments; update tools/apptest_fragments.py")
        if any(predicate(value) for value in [*cells["args"], *cells["kwargs"].values()]):
            matches.append(fragment_id)
    if len(matches) != 1:
        raise LookupError(f"expected one fragment called with a matching argument, found {len(matches)}")
    return matches[0]


@contextlib.contextmanager
def fragment_reruns(fragment_id: str) -> Iterator[None]:
    """Make every ``AppTest.run()`` inside the block a rerun of one fragment (what a widget change in it sends)."""
    if getattr(local_script_runner, "RerunData", None) is not RerunData:  # AppTest changed how it builds reruns
        raise RuntimeError("streamlit.testing.v1.local_script_runner no longer builds RerunData; update tools/apptest_fragments.py")

    def rerun_data(**fields) -> RerunData:
        return dataclasses.replace(RerunData(**fields), fragment_id_queue=[fragment_id])

    local_script_runner.RerunData = rerun_data
    try:
        yield
    finally:
        local_script_runner.RerunData = RerunData
