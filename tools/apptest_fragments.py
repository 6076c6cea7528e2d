"""Fragment reruns under AppTest, as the browser asks for them.

When a widget inside an ``st.fragment`` changes, the browser asks the server to rerun only that fragment
(the rerun request carries the fragment's id). ``AppTest.run()`` always reruns the whole app, so a test or
the bench that wants the server's real work after an answer change has to ask for the fragment itself.
AppTest keeps the fragments a full run registered; this module reads their ids and makes ``run()`` send
them, through the same request field the server fills in. The AppTest internals this needs are in
``ui/library_internals.py``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ui.library_internals import apptest_fragments, apptest_reruns_fragment, fragment_call_arguments


def fragment_ids(app) -> list[str]:
    """Return the ids of the fragments the app's last full run registered, in registration order."""
    return [fragment_id for fragment_id, _ in apptest_fragments(app)]


def fragment_called_with(app, predicate) -> str:
    """Return the id of the one registered fragment whose call had an argument for which ``predicate`` is true.

    A fragment function called once per question (say) registers one fragment per call; the browser
    knows which one holds a widget from the page's messages, a test finds it by the arguments the
    fragment was called with (kept in the closure Streamlit reruns it from).
    """
    matches = [fragment_id for fragment_id, fragment in apptest_fragments(app)
               if any(predicate(value) for value in fragment_call_arguments(fragment))]
    if len(matches) != 1:
        raise LookupError(f"expected one fragment called with a matching argument, found {len(matches)}")
    return matches[0]


@contextlib.contextmanager
def fragment_reruns(fragment_id: str) -> Iterator[None]:
    """Make every ``AppTest.run()`` inside the block a rerun of one fragment (what a widget change in it sends)."""
    with apptest_reruns_fragment(fragment_id):
        yield
