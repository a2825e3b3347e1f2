"""What the Last activity sensor shows: exact at rest, at most once a minute when busy.

While a session works, OpenCode reports activity several times a second; a timestamp
sensor following it writes a state change (and a logbook line) every second that tells
nobody more than the State sensor does ("working", "waiting_permission"). At rest (idle,
error) the value is exact, so the final value is the agent's.
"""

from datetime import datetime, timedelta

from .client import Session, State

# While busy, the shown value lags the agent's by less than this.
BUSY_STEP = timedelta(minutes=1)
AT_REST = (State.IDLE, State.ERROR)


def shown_last_activity(shown: datetime | None, session: Session) -> datetime:
    """Return the value to show now, given the value shown so far."""
    latest = session.last_activity
    if (
        shown is not None
        and session.state not in AT_REST
        and timedelta(0) <= latest - shown < BUSY_STEP
    ):
        return shown
    return latest
