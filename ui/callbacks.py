"""Widget callbacks that run to the end even when the browser asks for a rerun meanwhile.

Streamlit (1.67) checks for a pending rerun request at every ``st.session_state`` access, also inside a
widget callback, and raises ``RerunException`` there. The callback machinery takes that exception for the
callback's own ``st.rerun()``: the callback ends silently, half done. A login whose password check takes a
moment is where a request most often arrives (the cookie component reports just after the page loads): the
click then did nothing (docs/reliability.md, bug 3).

``Steps`` runs the session-state parts of a callback as steps. A step interrupted by a request runs again
(the request was taken off the queue when it was raised); at the end the last such request is raised, so
Streamlit still serves it after the callback. Steps must be safe to run twice: session-state reads and
writes and pure computation. Database writes go between steps, so they run once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from .library_internals import RerunException

T = TypeVar("T")
MAX_INTERRUPTIONS = 50  # each interruption takes one request off the queue; a browser sends a handful at most


class Steps:
    """``with Steps() as steps: value = steps.run(lambda: st.session_state[...])``."""

    def __init__(self) -> None:
        self.request: RerunException | None = None

    def run(self, step: Callable[[], T]) -> T:
        for _ in range(MAX_INTERRUPTIONS):
            try:
                return step()
            except RerunException as request:
                self.request = request
        return step()

    def __enter__(self) -> Steps:
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is None and self.request is not None:
            raise self.request
