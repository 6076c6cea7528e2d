"""ui.callbacks.Steps: a callback's session-state steps survive a rerun request, which is served afterwards."""

from __future__ import annotations

import pytest

from ui.callbacks import Steps
from ui.library_internals import RerunData, RerunException


def _interrupted_once(value):
    """A step whose first try meets a pending rerun request at a session-state access, as Streamlit raises it."""
    calls = []

    def step():
        calls.append(1)
        if len(calls) == 1:
            raise RerunException(RerunData(query_string="teema=own_measures"))
        return value

    return step, calls


def test_an_interrupted_step_runs_again_and_the_request_is_raised_at_the_end():
    step, calls = _interrupted_once("demo-helsinki")
    done = []
    with pytest.raises(RerunException) as request:
        with Steps() as steps:
            done.append(steps.run(step))
            done.append("after")  # the rest of the callback still runs
    assert done == ["demo-helsinki", "after"] and len(calls) == 2
    assert request.value.rerun_data.query_string == "teema=own_measures"


def test_without_a_request_nothing_is_raised():
    with Steps() as steps:
        assert steps.run(lambda: 42) == 42


def test_other_errors_are_not_retried():
    calls = []

    def step():
        calls.append(1)
        raise KeyError("yse-login-username")

    with pytest.raises(KeyError), Steps() as steps:
        steps.run(step)
    assert len(calls) == 1


def test_an_error_after_a_request_wins_over_the_request():
    step, _ = _interrupted_once(1)
    with pytest.raises(ValueError), Steps() as steps:
        steps.run(step)
        raise ValueError("the callback's own error is shown, not swallowed by the rerun")
