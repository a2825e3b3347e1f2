"""Finished runs as the agent reports them, for the event entity and the bus event.

A run lasts from a session leaving idle/error until it is idle/error again; its
outcome and duration are the agent's (its clock, its knowledge of aborts): Home
Assistant derives nothing from state changes. Only root sessions' runs are told:
a sub-agent's run is part of its root's, which is still working.
"""

from typing import Any

from .client import RunFinished, RunOutcome, Session
from .const import EVENT_ABORTED, EVENT_COMPLETED, EVENT_ERROR

# The event type of each outcome: `completed` and `error` are the names automations
# used before the agent reported runs; `aborted` is new (never `completed`).
RUN_EVENTS: dict[RunOutcome, str] = {
    RunOutcome.COMPLETED: EVENT_COMPLETED,
    RunOutcome.ABORTED: EVENT_ABORTED,
    RunOutcome.ERROR: EVENT_ERROR,
}


def run_event(run: RunFinished, session: Session) -> tuple[str, dict[str, Any]]:
    """Return the event type and details of a root session's finished run."""
    details: dict[str, Any] = {
        "title": session.title,
        # Seconds, as before; the agent measures milliseconds.
        "duration": run.duration_ms / 1000,
        "started": run.started.isoformat(),
        "finished": run.finished.isoformat(),
    }
    if run.error is not None:
        details |= {"name": run.error.name, "message": run.error.message}
    if run.reason is not None:
        # Why OpenCode stopped the run, as it said it (OpenCode 2: user, shutdown, ...).
        details["reason"] = run.reason
    return RUN_EVENTS[run.outcome], details
