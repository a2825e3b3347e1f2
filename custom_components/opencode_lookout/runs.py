"""Run timing: how long a session worked, for the completed and error events."""

from datetime import datetime

from homeassistant.util import dt as dt_util

from .client import Session, State

# States of a run: from leaving idle/error until the session is idle/error again.
BUSY_STATES = (State.WORKING, State.WAITING_PERMISSION, State.WAITING_INPUT)


class RunTimer:
    """Remember when each session's current run started."""

    def __init__(self) -> None:
        """Start with no run."""
        self._busy_since: dict[str, datetime] = {}

    def track(self, session: Session) -> int:
        """Note when a run starts; return its length in seconds once it ends."""
        now = dt_util.utcnow()
        if session.state in BUSY_STATES:
            self._busy_since.setdefault(session.id, now)
            return 0
        started = self._busy_since.pop(session.id, now)
        return int((now - started).total_seconds())

    def forget(self, session_id: str) -> None:
        """Drop the run of a removed session."""
        self._busy_since.pop(session_id, None)
